/**
 * The few XMP properties Svidetel uses, read with patterns rather than an XML parser: XMP packets in
 * uploads are small, and we only need dates and editing-software names. Both serialisations are
 * handled: attributes (`xmp:CreateDate="…"`) and elements (`<xmp:CreateDate>…</xmp:CreateDate>`).
 */
export type XmpData = {
  dateTimeOriginal: string | null; // exif:DateTimeOriginal
  dateCreated: string | null; // photoshop:DateCreated
  createDate: string | null; // xmp:CreateDate
  creatorTool: string | null; // xmp:CreatorTool
  historySoftwareAgents: string[]; // xmpMM:History stEvt:softwareAgent
  serialNumbers: string[]; // aux:SerialNumber, aux:LensSerialNumber
};

export function readXmp(packet: string): XmpData {
  return {
    dateTimeOriginal: property(packet, 'exif:DateTimeOriginal'),
    dateCreated: property(packet, 'photoshop:DateCreated'),
    createDate: property(packet, 'xmp:CreateDate'),
    creatorTool: property(packet, 'xmp:CreatorTool'),
    historySoftwareAgents: allValues(packet, 'stEvt:softwareAgent'),
    serialNumbers: [...allValues(packet, 'aux:SerialNumber'), ...allValues(packet, 'aux:LensSerialNumber')],
  };
}

function property(packet: string, name: string): string | null {
  return allValues(packet, name)[0] ?? null;
}

function allValues(packet: string, name: string): string[] {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`${n}\\s*=\\s*"([^"]*)"|${n}\\s*=\\s*'([^']*)'|<${n}>([^<]*)</${n}>`, 'g');
  const values: string[] = [];
  for (const m of packet.matchAll(pattern)) {
    const value = decodeEntities((m[1] ?? m[2] ?? m[3] ?? '').trim());
    if (value) values.push(value);
  }
  return values;
}

const decodeEntities = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);

import { detectFileType, downloadFormat, SNIFF_BYTES } from '../../../domain/media/file-type';
import { describeWithFixtures, loadExpected, fixtureHead } from '../../helpers/fixtures';

const ascii = (s: string) => Buffer.from(s, 'latin1');
const ftyp = (major: string, ...compatible: string[]) => {
  const box = Buffer.alloc(16 + compatible.length * 4);
  box.writeUInt32BE(box.length, 0);
  box.write(`ftyp${major}`, 4, 'latin1');
  compatible.forEach((b, i) => box.write(b, 16 + i * 4, 'latin1'));
  return box;
};
/** A minimal TIFF whose IFD0 holds the given tags (SHORT values), in either byte order. */
const tiff = (littleEndian: boolean, tags: number[]) => {
  const buf = Buffer.alloc(8 + 2 + tags.length * 12 + 4);
  const u16 = (v: number, at: number) => (littleEndian ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (littleEndian ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at));
  buf.write(littleEndian ? 'II' : 'MM', 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(tags.length, 8);
  tags.forEach((tag, i) => {
    u16(tag, 10 + i * 12);
    u16(1, 12 + i * 12); // BYTE
    u32(4, 14 + i * 12);
  });
  return buf;
};
const transportStream = (packetSize: 188 | 192, packets: number) => {
  const buf = Buffer.alloc(packetSize * packets);
  for (let p = 0; p < packets; p++) buf[p * packetSize + (packetSize - 188)] = 0x47;
  return buf;
};
const ebml = (docType: string) =>
  Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x80 | docType.length]), ascii(docType)]);

/** An Ogg page (BOS) carrying a stream's first packet. */
const ogg = (packet: string) => Buffer.concat([ascii('OggS\x00\x02'), Buffer.alloc(20), Buffer.from([1, packet.length]), ascii(packet)]);
/** Raw DV of a 625/50 camcorder: a header DIF block (1F 07 00 BF), then a subcode block (3F 07 00). */
const rawDv = () => {
  const buf = Buffer.alloc(160, 0xff);
  Buffer.from([0x1f, 0x07, 0x00, 0xbf]).copy(buf, 0);
  Buffer.from([0x3f, 0x07, 0x00]).copy(buf, 80);
  return buf;
};

describe('detectFileType on synthetic headers', () => {
  test.each([
    ['GIF89a', ascii('GIF89a\x01\x00\x01\x00'), 'gif', 'image/gif'],
    ['big-endian DNG', tiff(false, [0x0100, 0xc612]), 'dng', 'image/x-adobe-dng'],
    ['little-endian DNG', tiff(true, [0xc612]), 'dng', 'image/x-adobe-dng'],
    ['3GP', ftyp('3gp5', 'isom'), '3gp', 'video/3gpp'],
    ['QuickTime', ftyp('qt  ', 'qt  '), 'mov', 'video/quicktime'],
    ['MP4 isom', ftyp('isom', 'iso2', 'avc1', 'mp41'), 'mp4', 'video/mp4'],
    ['HEIF mif1+heic', ftyp('mif1', 'mif1', 'heic'), 'heic', 'image/heic'],
    ['WebM', ebml('webm'), 'webm', 'video/webm'],
    ['Matroska', ebml('matroska'), 'mkv', 'video/x-matroska'],
    ['AVI', ascii('RIFF\x00\x10\x00\x00AVI LIST'), 'avi', 'video/x-msvideo'],
    ['ASF/WMV', Buffer.from('3026b2758e66cf11a6d900aa0062ce6c', 'hex'), 'asf', 'video/x-ms-asf'],
    ['MPEG program stream', Buffer.from('000001ba4400040004018666cff8', 'hex'), 'mpg', 'video/mpeg'],
    ['FLV with video', ascii('FLV\x01\x05\x00\x00\x00\x09'), 'flv', 'video/x-flv'],
    ['MPEG-TS 188', transportStream(188, 20), 'mts', 'video/m2ts'],
    ['M2TS 192', transportStream(192, 20), 'mts', 'video/m2ts'],
    ['MXF (header partition pack)', Buffer.from('060e2b34020501010d01020101020400', 'hex'), 'mxf', 'application/mxf'],
    ['raw DV (header and subcode DIF blocks)', rawDv(), 'dv', 'video/x-dv'],
    ['Ogg Theora', ogg('\x80theora\x03\x02\x01'), 'ogv', 'video/ogg'],
    ['Ogg VP8', ogg('OVP80\x01\x01\x00'), 'ogv', 'video/ogg'],
    ['RealMedia with RealVideo', ascii('.RMF\x00\x00\x00\x12\x00\x00MDPR........video/x-pn-realvideo'), 'rm', 'application/vnd.rn-realmedia'],
  ])('%s', (_name, head, format, mime) => {
    expect(detectFileType(head)).toMatchObject({ format, mime });
  });

  test.each([
    ['empty', Buffer.alloc(0)],
    ['PDF renamed .jpg', ascii('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj')],
    ['zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00])],
    ['text', ascii('hello, this is not a photo\n'.repeat(20))],
    ['plain TIFF', tiff(true, [0x0100, 0x0101])],
    ['AVIF', ftyp('avif', 'mif1', 'miaf')],
    ['mif1 AVIF', ftyp('mif1', 'avif', 'miaf')],
    ['M4A audio', ftyp('M4A ', 'isom')],
    ['EBML that is neither WebM nor Matroska', ebml('ogg')],
    ['FLV with audio only', ascii('FLV\x01\x04\x00\x00\x00\x09')],
    ['WAV audio', ascii('RIFF\x00\x10\x00\x00WAVEfmt ')],
    ['two TS packets only', transportStream(188, 2)],
    ['zeros', Buffer.alloc(SNIFF_BYTES)],
    ['Ogg Vorbis audio', ogg('\x01vorbis\x00\x00\x00\x00')],
    ['Ogg Opus audio', ogg('OpusHead\x01\x02')],
    ['RealMedia with RealAudio only', ascii('.RMF\x00\x00\x00\x12\x00\x00MDPR........audio/x-pn-realaudio')],
    ['a DV header block with no subcode block after it', rawDv().subarray(0, 80)],
  ])('%s is not accepted', (_name, head) => {
    expect(detectFileType(head)).toBeNull();
  });
});

describeWithFixtures('detectFileType on real files', () => {
  test.each(loadExpected().map((e) => [e.file, e] as const))('%s', (file, expected) => {
    const type = detectFileType(fixtureHead(file, SNIFF_BYTES));
    if (expected.bytes === 0) {
      expect(type).toBeNull();
      return;
    }
    expect(type).toMatchObject({ mime: expected.mime, kind: expected.kind });
    // every accepted type is downloaded under its own type and a matching extension
    expect(downloadFormat(type!.mime)).toEqual({ type: type!.mime, extension: expect.stringMatching(/^[a-z0-9]{3,4}$/) });
  });
});

test('a type with no known extension is downloaded as plain bytes', () => {
  expect(downloadFormat('text/html')).toEqual({ type: 'application/octet-stream', extension: 'bin' });
  expect(downloadFormat('image/jpeg')).toEqual({ type: 'image/jpeg', extension: 'jpg' });
});

import { readXmp } from '../../../domain/media/xmp';

const packet = (body: string) =>
  Buffer.from(
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">' +
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      body +
      '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>',
  );
const AUX = 'xmlns:aux="http://ns.adobe.com/exif/1.0/aux/"';

describe('readXmp', () => {
  test('serial numbers stay as written: leading zeros and digits past what a number holds', async () => {
    const warnings: string[] = [];
    const xmp = await readXmp(packet(`<rdf:Description rdf:about="" ${AUX} aux:SerialNumber="0123456789012345678" aux:LensSerialNumber='00001066'/>`), warnings);
    expect(xmp.serialNumbers).toEqual(['0123456789012345678', '00001066']);
    expect(warnings).toEqual([]);
  });

  test('in element form too, beside the dates and the editing software', async () => {
    const xmp = await readXmp(
      packet(
        `<rdf:Description rdf:about="" ${AUX} xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/">` +
          '<aux:SerialNumber> 000042 </aux:SerialNumber><xmp:CreatorTool>Adobe Photoshop Lightroom Classic 13.1</xmp:CreatorTool>' +
          '<exif:DateTimeOriginal>2026-03-15T10:02:11+03:00</exif:DateTimeOriginal></rdf:Description>',
      ),
      [],
    );
    expect(xmp).toMatchObject({ serialNumbers: ['000042'], creatorTool: 'Adobe Photoshop Lightroom Classic 13.1', dateTimeOriginal: '2026-03-15T10:02:11+03:00' });
  });

  test('an empty serial number is none', async () => {
    expect((await readXmp(packet(`<rdf:Description rdf:about="" ${AUX} aux:SerialNumber=""/>`), [])).serialNumbers).toEqual([]);
  });
});

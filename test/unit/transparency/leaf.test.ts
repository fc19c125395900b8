import { decodeLeaf, encodeLeaf, leafFromJson, leafToJson, newLeafRecord } from '../../../domain/transparency/leaf';

describe('leaf record', () => {
  const record = newLeafRecord(
    { sha256: Buffer.alloc(32, 0xab), size: 123456, receivedAt: Date.UTC(2024, 5, 1) },
    42,
    Buffer.from('00112233445566778899aabbccddeeff', 'hex'),
  );

  it('encodes the documented 73-byte layout', () => {
    expect(encodeLeaf(record).toString('hex')).toBe(
      '01' + 'ab'.repeat(32) + '000000000001e240' + '0000018fd1189400' + '00112233445566778899aabbccddeeff' + '000000000000002a',
    );
  });

  it('round-trips through bytes and JSON', () => {
    expect(decodeLeaf(encodeLeaf(record))).toEqual(record);
    const json = leafToJson(record);
    expect(json).toEqual({ version: 1, sha256: 'ab'.repeat(32), size: 123456, received_at: 1717200000000, nonce: '00112233445566778899aabbccddeeff', index: 42 });
    expect(leafFromJson(JSON.parse(JSON.stringify(json)))).toEqual(record);
  });

  it('draws a fresh 16-byte nonce by default', () => {
    const a = newLeafRecord({ sha256: Buffer.alloc(32), size: 1, receivedAt: 1 }, 0);
    const b = newLeafRecord({ sha256: Buffer.alloc(32), size: 1, receivedAt: 1 }, 0);
    expect(a.nonce).toHaveLength(16);
    expect(a.nonce.equals(b.nonce)).toBe(false);
  });

  it('rejects malformed records', () => {
    const enc = encodeLeaf(record);
    expect(() => decodeLeaf(enc.subarray(0, 72))).toThrow('73 bytes');
    expect(() => decodeLeaf(Buffer.concat([Buffer.of(2), enc.subarray(1)]))).toThrow('unsupported leaf version');
    const huge = Buffer.from(enc);
    huge.writeBigUInt64BE(2n ** 60n, 33);
    expect(() => decodeLeaf(huge)).toThrow('beyond 2^53');
    expect(() => encodeLeaf({ ...record, size: -1 })).toThrow(RangeError);
    expect(() => encodeLeaf({ ...record, index: 1.5 })).toThrow(RangeError);
    expect(() => encodeLeaf({ ...record, sha256: Buffer.alloc(31) })).toThrow(RangeError);
    expect(() => leafFromJson({ ...leafToJson(record), sha256: 'AB'.repeat(32) })).toThrow('lowercase hex');
    expect(() => leafFromJson({ ...leafToJson(record), nonce: 'zz'.repeat(16) })).toThrow('lowercase hex');
  });
});

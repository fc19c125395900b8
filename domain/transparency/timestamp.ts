/**
 * RFC 3161 time-stamps of signed tree heads: a timestamping authority (LOG_TSA_URL) signs the
 * SHA-256 of each new head's checkpoint note (as the log signed it, without cosignatures), so a
 * head's time rests on someone other than Svidetel. Only what that needs of DER and CMS is here:
 * the request (TimeStampReq), the answer's token (TimeStampResp → ContentInfo), and the token's
 * check: TSTInfo's message imprint, the signed attributes' message digest of TSTInfo, and the
 * signature by the TSA certificate (the one in the token, or a pinned one, which must match).
 */
import { X509Certificate, createHash, randomBytes, verify } from 'node:crypto';
import { splitNote } from './checkpoint';

type Der = { tag: number; start: number; header: number; length: number; bytes: Buffer };

function readDer(buf: Buffer, at = 0): Der {
  if (at + 2 > buf.length) throw new TimestampError('truncated DER');
  const tag = buf[at]!;
  let length = buf[at + 1]!;
  let header = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || at + 2 + n > buf.length) throw new TimestampError('bad DER length');
    length = buf.readUIntBE(at + 2, n);
    header += n;
  }
  if (at + header + length > buf.length) throw new TimestampError('truncated DER');
  return { tag, start: at, header, length, bytes: buf.subarray(at, at + header + length) };
}

const content = (d: Der) => d.bytes.subarray(d.header);

function children(d: Der): Der[] {
  const body = content(d);
  const out: Der[] = [];
  for (let at = 0; at < body.length; ) {
    const c = readDer(body, at);
    out.push(c);
    at += c.header + c.length;
  }
  return out;
}

function expectTag(d: Der | undefined, tag: number, what: string): Der {
  if (!d || d.tag !== tag) throw new TimestampError(`malformed ${what}`);
  return d;
}

function encode(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.of(n) : n < 0x100 ? Buffer.of(0x81, n) : Buffer.of(0x82, n >> 8, n & 0xff);
  return Buffer.concat([Buffer.of(tag), len, body]);
}

const seq = (...parts: Buffer[]) => encode(0x30, Buffer.concat(parts));
const oid = (hex: string) => Buffer.from(hex, 'hex');
const OID_SHA256 = oid('0609608648016503040201');
const OID_SIGNED_DATA = '2a864886f70d010702';
const OID_TST_INFO = '2a864886f70d0109100104';
const OID_MESSAGE_DIGEST = '2a864886f70d010904';
const DIGESTS: Record<string, string> = { '608648016503040201': 'sha256', '608648016503040202': 'sha384', '608648016503040203': 'sha512' };

/** What is time-stamped: SHA-256 of the checkpoint's note text, without any signature line. */
export function checkpointDigest(note: string): Buffer {
  return createHash('sha256').update(splitNote(note).text, 'utf8').digest();
}

export class TimestampError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimestampError';
  }
}

/** A TimeStampReq (RFC 3161 §2.4.1) for a SHA-256 digest, asking for the TSA's certificate. */
export function timestampRequest(digest: Buffer, nonce: Buffer = randomBytes(8)): Buffer {
  const positive = nonce[0]! & 0x80 ? Buffer.concat([Buffer.of(0), nonce]) : nonce;
  return seq(encode(0x02, Buffer.of(1)), seq(seq(OID_SHA256, Buffer.of(0x05, 0x00)), encode(0x04, digest)), encode(0x02, positive), Buffer.of(0x01, 0x01, 0xff));
}

/** The token (a CMS ContentInfo) of a granted TimeStampResp; an error naming the status otherwise. */
export function tokenFromResponse(resp: Buffer): Buffer {
  const top = children(expectTag(readDer(resp), 0x30, 'TimeStampResp'));
  const status = children(expectTag(top[0], 0x30, 'PKIStatusInfo'))[0];
  const code = content(expectTag(status, 0x02, 'PKIStatus'))[0];
  if (code !== 0 && code !== 1) throw new TimestampError(`the timestamping authority refused (PKIStatus ${code})`);
  return expectTag(top[1], 0x30, 'TimeStampToken').bytes;
}

export interface CheckedTimestamp {
  genTime: Date;
  tsa: string;
}

function generalizedTime(d: Der): Date {
  const s = content(expectTag(d, 0x18, 'genTime')).toString('ascii');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(s);
  if (!m) throw new TimestampError(`bad genTime ${s}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`);
}

/**
 * Checks a token over `digest` (SHA-256): the imprint, the signed attributes, the signature. With
 * `pinned`, the TSA certificate must be that one; without, the token's own certificate is used and
 * named in the result (say so to the user: it proves what that TSA said, not who it is).
 */
export function verifyTimestampToken(token: Buffer, digest: Buffer, pinned?: X509Certificate): CheckedTimestamp {
  const ci = children(expectTag(readDer(token), 0x30, 'ContentInfo'));
  if (content(expectTag(ci[0], 0x06, 'contentType')).toString('hex') !== OID_SIGNED_DATA) throw new TimestampError('the token is not CMS SignedData');
  const sd = children(expectTag(children(expectTag(ci[1], 0xa0, 'content'))[0], 0x30, 'SignedData'));
  const encap = children(expectTag(sd[2], 0x30, 'encapContentInfo'));
  if (content(expectTag(encap[0], 0x06, 'eContentType')).toString('hex') !== OID_TST_INFO) throw new TimestampError('the token does not hold a TSTInfo');
  const tstDer = content(expectTag(children(expectTag(encap[1], 0xa0, 'eContent'))[0], 0x04, 'eContent'));
  const tst = children(expectTag(readDer(tstDer), 0x30, 'TSTInfo'));
  const imprint = children(expectTag(tst[2], 0x30, 'messageImprint'));
  const imprintAlg = content(expectTag(children(expectTag(imprint[0], 0x30, 'hashAlgorithm'))[0], 0x06, 'hashAlgorithm'));
  if (!imprintAlg.equals(OID_SHA256.subarray(2)) || !content(expectTag(imprint[1], 0x04, 'hashedMessage')).equals(digest)) {
    throw new TimestampError('the time-stamp is for other data');
  }
  const genTime = generalizedTime(tst[4]!);

  let i = 3;
  let embedded: X509Certificate | undefined;
  if (sd[i]?.tag === 0xa0) {
    const first = children(sd[i]!)[0];
    if (first) embedded = new X509Certificate(first.bytes);
    i++;
  }
  if (sd[i]?.tag === 0xa1) i++;
  const signer = children(expectTag(children(expectTag(sd[i], 0x31, 'signerInfos'))[0], 0x30, 'SignerInfo'));
  const digestName = DIGESTS[content(expectTag(children(expectTag(signer[2], 0x30, 'digestAlgorithm'))[0], 0x06, 'digestAlgorithm')).toString('hex')];
  if (!digestName) throw new TimestampError('unsupported digest algorithm');
  const attrs = expectTag(signer[3], 0xa0, 'signedAttrs');
  const md = children(attrs).find((a) => content(children(a)[0]!).toString('hex') === OID_MESSAGE_DIGEST);
  const mdValue = md && content(expectTag(children(children(md)[1]!)[0], 0x04, 'messageDigest'));
  if (!mdValue || !mdValue.equals(createHash(digestName).update(tstDer).digest())) throw new TimestampError('the signed attributes do not match the TSTInfo');
  const signature = content(expectTag(signer[5], 0x04, 'signature'));
  const cert = pinned ?? embedded;
  if (!cert) throw new TimestampError('the token holds no certificate: give the TSA certificate');
  if (pinned && embedded && !embedded.raw.equals(pinned.raw)) throw new TimestampError(`the token was signed by ${embedded.subject}, not the TSA you pinned`);
  const signedAttrs = Buffer.concat([Buffer.of(0x31), attrs.bytes.subarray(1)]);
  if (!verify(digestName, signedAttrs, cert.publicKey, signature)) throw new TimestampError('the time-stamp signature does not verify');
  return { genTime, tsa: cert.subject.replace(/\n/g, ', ') };
}

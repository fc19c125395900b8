/**
 * C2SP tlog-witness and tlog-cosignature/v1: the specifications' example request parsed as they
 * describe it, and a witness's decisions (domain/transparency/witness.ts) on real signed
 * checkpoints: cosign a consistent head, refuse a fork at the same size (409), a rewrite (422), a
 * stale old size (409 with its own size), an unknown log (404), a forged signature (403).
 */
import { createKeyPair, keyId, parseVkey, rawPublicKey, signCheckpoint, splitNote, vkeyFor } from '../../../domain/transparency/checkpoint';
import { cosign, parseWitnessVkey, verifyCosignatures, witnessVkeyFor, withSignatureLines } from '../../../domain/transparency/cosignature';
import { MemoryTree, consistencyProof, rootAt } from '../../../domain/transparency/merkle';
import { addCheckpoint, formatAddCheckpoint, logKeysByOrigin, parseAddCheckpoint, type WitnessStore, type WitnessedHead } from '../../../domain/transparency/witness';
import { randomBytes } from 'node:crypto';

const SPEC_REQUEST = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
`;

function memoryStore(): WitnessStore & { conflicts: string[]; heads: Map<string, WitnessedHead> } {
  const heads = new Map<string, WitnessedHead>();
  const conflicts: string[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  return {
    heads,
    conflicts,
    update(origin, fn) {
      const next = queue.then(async () => {
        const { store, result } = await fn(heads.get(origin) ?? null);
        if (store) heads.set(origin, store);
        return result;
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async recordConflict(_origin, _latest, refused, reason) {
      conflicts.push(`${reason}: ${refused.split('\n')[1]}`);
    },
  };
}

describe('tlog-witness request body', () => {
  test('the specification’s example parses: old size, four proof hashes, the checkpoint with two signatures', () => {
    const req = parseAddCheckpoint(SPEC_REQUEST);
    expect(req.oldSize).toBe(20852014);
    expect(req.proof.map((h) => h.toString('base64'))).toEqual(SPEC_REQUEST.split('\n').slice(1, 5));
    expect(req.note.startsWith('example.com/behind-the-sofa\n20852163\n')).toBe(true);
    expect(splitNote(req.note).signatures).toHaveLength(2);
    expect(formatAddCheckpoint(req.oldSize, req.proof, req.note)).toBe(SPEC_REQUEST);
  });

  test.each([
    ['no empty line', 'old 1\n'],
    ['bad old line', 'old 01\n\nx\n'],
    ['bad hash', 'old 1\nnot-base64!\n\nx\n'],
    ['too many proof lines', `old 1\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(64)}\nx\n`],
  ])('refuses a body with %s', (_what, body) => {
    expect(() => parseAddCheckpoint(body)).toThrow();
  });
});

describe('tlog-cosignature/v1', () => {
  const w = createKeyPair();
  const name = 'witness.example/w1';
  const text = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

  test('key id uses type 0x04; the line carries the timestamp and verifies over "cosignature/v1\\ntime …\\n" ‖ note text', () => {
    const vkey = witnessVkeyFor(name, w.publicKey);
    expect(parseWitnessVkey(vkey).keyId).toEqual(keyId(name, rawPublicKey(w.publicKey), 0x04));
    expect(() => parseVkey(vkey)).toThrow(); // not a note-signing (0x01) key
    const line = cosign(text, 1679315147, w.privateKey, name);
    const blob = Buffer.from(line.split(' ')[2]!, 'base64');
    expect(blob).toHaveLength(4 + 8 + 64);
    expect(blob.readBigUInt64BE(4)).toBe(1679315147n);
    const note = `${text}\n${line}\n`;
    expect(verifyCosignatures(note, [vkey])).toEqual([expect.objectContaining({ witness: name, time: 1679315147 })]);
    // a cosignature over another time, or another text, does not verify
    blob.writeBigUInt64BE(1679315148n, 4);
    expect(() => verifyCosignatures(`${text}\n— ${name} ${blob.toString('base64')}\n`, [vkey])).toThrow(/invalid cosignature/);
    // unknown witnesses are ignored
    expect(verifyCosignatures(note, [witnessVkeyFor('other.example/w', createKeyPair().publicKey)])).toEqual([]);
  });
});

describe('a witness deciding on checkpoints', () => {
  const origin = 'svidetel.test/log';
  const log = createKeyPair();
  const logVkey = vkeyFor(origin, log.publicKey);
  const witnessKey = createKeyPair();
  const tree = new MemoryTree();
  for (let i = 0; i < 10; i++) tree.append(randomBytes(32));

  const checkpoint = (size: number, root: Buffer, key = log.privateKey) => signCheckpoint({ origin, treeSize: size, rootHash: root }, key, origin);
  const witness = (store = memoryStore()) => ({ name: 'w.example/1', privateKey: witnessKey.privateKey, logs: logKeysByOrigin([logVkey]), store, now: () => new Date(1_700_000_000_000) });

  test('cosigns a consistent history; refuses a fork, a rewrite, a stale old size, an unknown log and a forged head', async () => {
    const store = memoryStore();
    const w = witness(store);
    const r4 = await rootAt(tree, 4);
    const first = await addCheckpoint(w, formatAddCheckpoint(0, [], checkpoint(4, r4)));
    expect(first.status).toBe(200);
    const wVkey = witnessVkeyFor('w.example/1', witnessKey.publicKey);
    expect(verifyCosignatures(withSignatureLines(checkpoint(4, r4), [first.body.trim()]), [wVkey])).toHaveLength(1);

    // the next head with a consistency proof from 4
    const r10 = tree.root();
    const ok = await addCheckpoint(w, formatAddCheckpoint(4, await consistencyProof(tree, 4, 10), checkpoint(10, r10)));
    expect(ok.status).toBe(200);
    expect(store.heads.get(origin)?.size).toBe(10);

    // stale old size: 409 with the size it has
    const stale = await addCheckpoint(w, formatAddCheckpoint(4, await consistencyProof(tree, 4, 10), checkpoint(10, r10)));
    expect(stale).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '10\n' });

    // a rollback: the log comes back smaller, from scratch; the witness answers the size it cosigned
    expect(await addCheckpoint(w, formatAddCheckpoint(0, [], checkpoint(4, r4)))).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '10\n' });

    // a fork: another root at the same size, signed by the log
    const fork = await addCheckpoint(w, formatAddCheckpoint(10, [], checkpoint(10, randomBytes(32))));
    expect(fork.status).toBe(409);

    // a rewrite: a larger head whose proof does not lead from the cosigned root
    const other = new MemoryTree();
    for (let i = 0; i < 12; i++) other.append(randomBytes(32));
    const rewrite = await addCheckpoint(w, formatAddCheckpoint(10, await consistencyProof(other, 10, 12), checkpoint(12, other.root())));
    expect(rewrite.status).toBe(422);
    expect(store.conflicts).toEqual(['same size, different root: 10', 'not consistent with size 10: 12']);

    // unknown origin, forged signature, old > size
    expect((await addCheckpoint(w, formatAddCheckpoint(0, [], signCheckpoint({ origin: 'other.test/log', treeSize: 1, rootHash: r4 }, log.privateKey, 'other.test/log')))).status).toBe(404);
    expect((await addCheckpoint(w, formatAddCheckpoint(10, [], checkpoint(10, r10, createKeyPair().privateKey)))).status).toBe(403);
    expect((await addCheckpoint(w, formatAddCheckpoint(11, [], checkpoint(10, r10)))).status).toBe(400);
    expect(store.heads.get(origin)?.size).toBe(10);
  });
});

/**
 * The verifiers' trust file: the keys a person pinned, obtained out of band (the deployment's
 * README, partner organisations' sites, the fingerprint printed on receipts), never from the log's
 * own server at verification time. Plain text, one key per line:
 *
 *   # comments and blank lines are ignored
 *   log <vkey>        a log's signed-note verifier key (its name is the log's origin)
 *   witness <vkey>    a witness's key: C2SP tlog-cosignature/v1 (type 0x04), as `npm run witness` prints it
 *
 * scripts/verify-receipt.mjs parses the same format with its own few lines (it imports nothing).
 */
import { parseVkey } from './checkpoint';
import { parseWitnessVkey } from './cosignature';

export interface TrustedKeys {
  logKeys: string[];
  witnessKeys: string[];
}

export function parseTrustFile(text: string): TrustedKeys {
  const trusted: TrustedKeys = { logKeys: [], witnessKeys: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(log|witness)\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`trust file line ${i + 1}: expected "log <vkey>" or "witness <vkey>"`);
    // a malformed key is an error in the file, not a key that never matches
    if (m[1] === 'log') parseVkey(m[2]!);
    else parseWitnessVkey(m[2]!);
    (m[1] === 'log' ? trusted.logKeys : trusted.witnessKeys).push(m[2]!);
  });
  return trusted;
}

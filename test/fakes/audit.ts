import type { AuditRecord } from '../../domain/audit/model';
import type { FakeRepos } from './database';

export type AuditTables = { audit: AuditRecord[] };

export const noAudit = (): AuditTables => ({ audit: [] });

/** The audit trail's append (lockHead, insertRow) over tables.audit, rows as the service hashed them. */
export const fakeAuditRepos = (tables: AuditTables): Pick<FakeRepos, 'audit'> => ({
  audit: {
    lockHead: async () => {
      const last = tables.audit.at(-1);
      return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: Buffer.alloc(32) };
    },
    insertRow: async (row) => {
      tables.audit.push({ ...row, before: row.before === null ? null : JSON.parse(row.before), after: row.after === null ? null : JSON.parse(row.after) });
    },
  },
});

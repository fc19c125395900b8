import { Client } from 'pg';
import type { Logger } from '../domain/logger';
import type { SessionChanges } from '../domain/ports/session-changes';

/** The channel accounts.repo announceSessionChange notifies (payload: an account id, or '' for every account). */
export const SESSION_CHANNEL = 'svidetel_sessions';
const RECONNECT_MS = 1000;

/** PostgreSQL's LISTEN on a connection of its own, connected again a second after it is lost. */
export function sessionChangesOver(databaseUrl: string, log: Logger): SessionChanges {
  return {
    listen({ onChange, onLive }) {
      let stopped = false;
      let client: Client | null = null;
      let timer: NodeJS.Timeout | undefined;
      let warned = false; // once per outage, not every second of it
      const retry = () => {
        if (stopped) return;
        clearTimeout(timer);
        timer = setTimeout(() => void connect(), RECONNECT_MS);
        timer.unref();
      };
      const connect = async () => {
        const c = new Client({ connectionString: databaseUrl, application_name: 'svidetel-sessions' });
        let lost = false;
        const lose = () => {
          if (lost) return;
          lost = true;
          onLive(false);
          retry();
        };
        c.on('error', lose);
        c.on('end', lose);
        c.on('notification', (n) => {
          if (n.channel === SESSION_CHANNEL) onChange(n.payload ? n.payload : null);
        });
        try {
          await c.connect();
          await c.query(`LISTEN ${SESSION_CHANNEL}`);
        } catch (err) {
          if (!warned) log.warn({ err: (err as Error).message }, 'session changes: cannot listen, sessions are read afresh meanwhile');
          warned = true;
          lose();
          await c.end().catch(() => undefined);
          return;
        }
        if (stopped) {
          await c.end().catch(() => undefined);
          return;
        }
        client = c;
        warned = false;
        onLive(true);
      };
      onLive(false);
      void connect();
      return async () => {
        stopped = true;
        clearTimeout(timer);
        onLive(false);
        await client?.end().catch(() => undefined);
      };
    },
  };
}

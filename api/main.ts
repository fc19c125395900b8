import { createContext, orExit } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';
import { cleanStaleTempFiles } from '../domain/integrity/consistency.service';
import { startApiServer } from './server';

async function main() {
  const config = loadConfigOrExit();
  const ctx = await orExit(createContext(config, 'api'));
  const { server, url } = await orExit(startApiServer(ctx));
  ctx.log.info({ url }, `Svidetel is running at ${url}`);
  // Its own temp folder only, after listening; the whole store is scanned by the worker, once per
  // worker start (cleanCrashLeftovers), not by every API start.
  void cleanStaleTempFiles(ctx).then(
    (cleaned) => ctx.log.info(cleaned, 'stale temp files cleaned'),
    (err: Error) => ctx.log.warn({ err: err.message }, 'stale temp files not cleaned; the next start tries again'),
  );
  const shutdown = () => {
    ctx.log.info('shutting down the API');
    server.close(() => void ctx.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

void main();

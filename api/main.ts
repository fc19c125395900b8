import { createContext, orExit } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';
import { cleanCrashLeftovers } from '../domain/integrity/consistency.service';
import { startApiServer } from './server';

async function main() {
  const config = loadConfigOrExit();
  const ctx = await orExit(createContext(config, 'api'));
  const { server, url } = await orExit(startApiServer(ctx));
  ctx.log.info({ url }, `Svidetel is running at ${url}`);
  // After listening, not before: a store of millions of originals must not keep uploads waiting.
  void cleanCrashLeftovers(ctx).then(
    (cleaned) => ctx.log.info(cleaned, 'crash leftovers cleaned'),
    (err: Error) => ctx.log.warn({ err: err.message }, 'crash leftovers not cleaned; the next start tries again'),
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

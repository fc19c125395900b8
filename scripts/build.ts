/**
 * `npm run build`: the TypeScript of the processes compiled ahead of time to CommonJS in dist/, file
 * by file, with the same compiler tsx uses on require (esbuild), so what runs is the code tsx would
 * run. Production (the Dockerfile's CMD, `npm start`) runs node on dist/ without tsx in the process:
 * tsx's require hook, esbuild's service and the compiled sources with their inline source maps held
 * in memory cost the API ~18 MB of its idle RSS (issue 20, item 4), and every start compiled
 * everything again. Tests and the one-off scripts keep running the TypeScript directly.
 *
 * Source maps are written beside each file (dist/api/main.js.map) but not loaded: a stack trace
 * names dist/ lines, `node --enable-source-maps` maps them back when a person needs it.
 * The files the code reads beside itself (web/static/, db/migrations/) are copied, so dist/ is a
 * tree that runs alone; files whose source is gone are removed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = path.join(__dirname, '..');
export const DIST = path.join(ROOT, 'dist');
const SOURCE_DIRS = ['api', 'worker', 'web', 'db', 'domain', 'infra', 'scripts'];
const COPIED_DIRS = ['web/static', 'db/migrations'];

/** The sources: the repository's TypeScript under SOURCE_DIRS (git's list where there is one, else the tree). */
function sources(): string[] {
  try {
    return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...SOURCE_DIRS.map((d) => `${d}/*.ts`)], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && fs.existsSync(path.join(ROOT, f)));
  } catch {
    // no git (a Docker build context): every .ts file under the source folders
    return SOURCE_DIRS.flatMap((d) => (fs.readdirSync(path.join(ROOT, d), { recursive: true, encoding: 'utf8' }) as string[]).map((f) => `${d}/${f}`)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  }
}

/** Compiles into `outDir` (dist/ unless told). */
export function build(outDir = DIST): { files: number; ms: number } {
  const started = Date.now();
  const entryPoints = sources();
  buildSync({
    entryPoints,
    outdir: outDir,
    outbase: '.',
    absWorkingDir: ROOT,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  for (const dir of COPIED_DIRS) {
    fs.rmSync(path.join(outDir, dir), { recursive: true, force: true });
    fs.cpSync(path.join(ROOT, dir), path.join(outDir, dir), { recursive: true });
  }
  // Compiled files whose source was deleted or moved: never required, but they would mislead.
  const wanted = new Set(entryPoints.map((f) => f.replace(/\.ts$/, '.js')));
  for (const dir of SOURCE_DIRS) {
    if (!fs.existsSync(path.join(outDir, dir))) continue;
    for (const f of fs.readdirSync(path.join(outDir, dir), { recursive: true, encoding: 'utf8' }) as string[]) {
      const rel = `${dir}/${f}`;
      if (COPIED_DIRS.some((c) => rel.startsWith(`${c}/`))) continue;
      const js = rel.replace(/\.map$/, '');
      if (js.endsWith('.js') && !wanted.has(js)) fs.rmSync(path.join(outDir, rel), { force: true });
    }
  }
  return { files: entryPoints.length, ms: Date.now() - started };
}

if (require.main === module) {
  const { files, ms } = build();
  process.stdout.write(`dist/: ${files} files compiled in ${ms} ms\n`);
}

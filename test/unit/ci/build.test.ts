import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from '../../../scripts/build';

const ROOT = path.resolve(__dirname, '../../..');
const run = promisify(execFile);

/**
 * scripts/build.ts: what production runs (the Dockerfile's CMD, npm start) is dist/, plain node,
 * no tsx. Compiled into a temp folder, not the checkout's dist/, which a running `npm start` may use.
 */
describe('npm run build', () => {
  let out: string;
  beforeAll(async () => {
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-build-'));
    // node_modules beside the output, as dist/ has the checkout's: compiled code resolves packages upwards.
    await fs.symlink(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'));
    build(path.join(out, 'dist'));
  }, 60_000);
  afterAll(async () => {
    if (out) await fs.rm(out, { recursive: true, force: true });
  });

  test('the API, the worker and the supervisor load as plain node, without tsx: every module they require was compiled', async () => {
    // Loading the modules runs nothing (each entry's main() needs a database): require the app and the worker's handlers.
    const script = `
      for (const m of ['api/app', 'api/server', 'worker/handlers', 'infra/compose', 'db/migrate']) require('./dist/' + m);
      const loaded = Object.keys(require.cache);
      if (loaded.some((f) => /node_modules\\/(tsx|esbuild)\\//.test(f))) throw new Error('tsx or esbuild was loaded');
      if (loaded.some((f) => f.endsWith('.ts'))) throw new Error('a .ts file was loaded');
      process.stdout.write(String(loaded.filter((f) => f.includes('/dist/')).length));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: out, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(Number(stdout)).toBeGreaterThan(100);
    for (const entry of ['api/main.js', 'worker/main.js', 'scripts/start.js']) await expect(fs.access(path.join(out, 'dist', entry))).resolves.toBeUndefined();
  }, 60_000);

  test("the Dockerfile's CMD, compose's api and worker and npm start run the compiled entries with plain node, the api with the same options", async () => {
    const dockerfile = await fs.readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
    const compose = await fs.readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const cmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe('dist/api/main.js');
    expect(cmd.join(' ')).not.toMatch(/tsx/);
    expect(dockerfile).toMatch(/^RUN npm run -s build$/m);
    const commands = [...compose.matchAll(/^\s*command: (\[.*?\])/gm)].map((m) => JSON.parse(m[1]!) as string[]);
    expect(commands).toContainEqual(cmd);
    expect(commands).toContainEqual(['node', 'dist/worker/main.js']);
    // npm start (scripts/start.ts) gives the API the same options.
    const start = await fs.readFile(path.join(ROOT, 'scripts/start.ts'), 'utf8');
    expect(JSON.parse(/const API_NODE_OPTIONS = (\[.*\]);/.exec(start)![1]!.replace(/'/g, '"'))).toEqual(cmd.slice(1, -1));
    for (const entry of [cmd.at(-1)!, 'dist/worker/main.js']) await expect(fs.access(path.join(out, entry))).resolves.toBeUndefined();
  });

  test('the files the code reads beside itself are copied: web/static/ and db/migrations/', async () => {
    for (const dir of ['web/static', 'db/migrations']) {
      expect((await fs.readdir(path.join(out, 'dist', dir))).sort()).toEqual((await fs.readdir(path.join(ROOT, dir))).sort());
    }
  });

  test('a compiled file whose source is gone is removed by the next build', async () => {
    const orphan = path.join(out, 'dist', 'domain', 'gone-away.js');
    await fs.writeFile(orphan, 'module.exports = 1;\n');
    await fs.writeFile(`${orphan}.map`, '{}');
    build(path.join(out, 'dist'));
    await expect(fs.access(orphan)).rejects.toThrow();
    await expect(fs.access(`${orphan}.map`)).rejects.toThrow();
  }, 60_000);
});

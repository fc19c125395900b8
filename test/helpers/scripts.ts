import path from 'node:path';

/** The repository's root: the scripts' working directory, as for `npm run`. */
const ROOT = path.resolve(__dirname, '../..');

/**
 * Node's arguments that run one of the repository's TypeScript scripts (a path from the root, or
 * absolute) in a child process: the same code `npm run` starts with tsx, compiled by swc on
 * require (typescript-hook.js), which starts it in a third of the CPU time.
 */
export const typescriptScript = (script: string): string[] => ['--enable-source-maps', '--require', path.join(__dirname, 'typescript-hook.js'), path.resolve(ROOT, script)];

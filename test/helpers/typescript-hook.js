/**
 * Loaded with `node --require` by tests that run one of the repository's TypeScript scripts as a
 * child process (test/helpers/scripts.ts): compiles each .ts file as it is required, with swc as
 * Jest's transform does (jest.config.js). tsx costs each start about 0.8 CPU-seconds more (its
 * loader thread and esbuild); a test run starts dozens of such children.
 */
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

const SWC_OPTIONS = { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' }, sourceMaps: 'inline' };

require.extensions['.ts'] = (module, filename) => {
  module._compile(transformSync(fs.readFileSync(filename, 'utf8'), { ...SWC_OPTIONS, filename }).code, filename);
};

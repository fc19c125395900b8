/**
 * Jest runs TypeScript through swc (type checking is `tsc --noEmit`, run first by `npm test`).
 * Files run in parallel, each in a database of its own copied from the run's migrated template
 * (test/helpers/databases.ts). The projects are the layers of the pyramid: `npx jest --selectProjects unit`.
 */
const layer = (name) => ({
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // ESM-only packages (the tus server and its request adapter) compiled to CommonJS: Jest's module
    // loader cannot require() ES modules on Node 20.
    '^.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@tus|srvx)/)'],
});

module.exports = {
  projects: ['unit', 'db', 'integration', 'browser'].map(layer),
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 60000,
};

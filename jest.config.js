/**
 * Jest runs TypeScript through swc (type checking is `tsc --noEmit`, run first by `npm test`).
 * Files run in parallel, each in a database of its own copied from the run's migrated template
 * (test/helpers/databases.ts). The projects are the layers of the pyramid: `npx jest --selectProjects unit`.
 * `faults` stops, kills and fills what the system depends on: each of its files starts a PostgreSQL
 * and a Redis of its own (test/helpers/private-services.ts), so no other test shares one that goes away.
 */
const layer = (name) => ({
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
});

module.exports = {
  projects: ['unit', 'db', 'integration', 'browser', 'faults'].map(layer),
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 60000,
};

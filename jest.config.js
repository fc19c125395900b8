/**
 * Jest runs TypeScript through swc (type checking is `tsc --noEmit`, run first by `npm test`).
 * The projects are the layers of the pyramid (`npx jest --selectProjects service`): unit (pure
 * functions) and service (domain services on the in-memory fakes of test/fakes/) need no database or
 * Redis; db, integration and browser files run in parallel, each in a database of its own copied
 * from the run's migrated template (test/helpers/databases.ts), which their global setup makes
 * once per run (jest runs a setup shared by several projects once) and only when one of them runs.
 * `faults` stops, kills and fills what the system depends on: each of its files starts a PostgreSQL
 * and a Redis of its own (test/helpers/private-services.ts), so no other test shares one that goes away.
 * Only .ts is transformed: nothing the tests import from node_modules is ESM-only (the tus server,
 * which was, is now only the ingest benchmark's peer, compiled by npm run build).
 */
const layer = (name, usesDatabase) => ({
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  ...(usesDatabase
    ? { globalSetup: '<rootDir>/test/helpers/global-setup.ts', globalTeardown: '<rootDir>/test/helpers/global-teardown.ts' }
    : {}),
});

module.exports = {
  projects: [
    layer('unit', false),
    layer('service', false),
    layer('db', true),
    layer('integration', true),
    layer('browser', true),
    layer('faults', true),
  ],
  // Longest file first, from test/durations.json (a fresh clone has no Jest cache to order by).
  testSequencer: '<rootDir>/test/sequencer.js',
  testTimeout: 60000,
};

/**
 * A dependency we cannot reach or use (PostgreSQL, Redis, a key file): said plainly, with what to
 * do, and no stack trace (the entry points print it and exit; infra/compose.ts orExit).
 */
export class DependencyError extends Error {}

/** The time rules are decided by: a service test sets it, production reads the system clock. */
export type Clock = { now(): Date };

import { readdirSync } from 'node:fs';
import os from 'node:os';

/**
 * Lowers this process's CPU priority to `nice` (Unix), every thread of it. On Linux a priority
 * belongs to a thread, and os.setPriority(0) changes only the calling one: libuv's and libvips'
 * threads already running would keep theirs. Threads (and tools like ffmpeg) started later inherit
 * it from the thread that starts them. Returns the threads changed; a platform that refuses is
 * reported by the caller, not fatal (the worker still works, it just competes with the API).
 */
export function lowerProcessPriority(nice: number): number {
  let tasks: number[];
  try {
    tasks = readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
  } catch {
    tasks = [0]; // no /proc: the calling thread, which is all the platform's setpriority names
  }
  for (const tid of tasks) {
    // Never raise it: a process started under `nice 15` stays there.
    if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
  }
  return tasks.length;
}

/** Jobs one worker runs at once: what is configured, but never more than the cores it can use. */
export function boundedByCores(configured: number): number {
  return Math.max(1, Math.min(configured, os.availableParallelism()));
}

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Lowers this process's CPU priority to `nice` (Unix), every thread of it. On Linux a priority
 * belongs to a thread, and os.setPriority(0) changes only the calling one: libuv's and libvips'
 * threads already running would keep theirs. Threads (and tools like ffmpeg) started later inherit
 * it from the thread that starts them; child processes already running are lowered too.
 *
 * With Linux's autogroup scheduling (the default on desktops and many servers) a thread's nice
 * counts only against threads of its own session: sessions share the CPU by their group's nice. A
 * worker that leads its own session (started detached, by a supervisor that calls setsid, or as a
 * container's first process) would otherwise take as much CPU as the API however niced its threads
 * are; its group, which holds only the worker and its tools, is lowered too. (Cgroups, such as one
 * container each, share by their CPU weight instead: docker-compose.yml sets the worker's.)
 *
 * Returns the threads looked at and whether the session's group was lowered; a platform that
 * refuses is reported by the caller, not fatal (the worker still works, it just competes with the API).
 */
export function lowerProcessPriority(nice: number): { threads: number; sessionGroup: boolean } {
  let tasks: number[];
  try {
    tasks = threadsOf('self');
  } catch {
    tasks = [0]; // no /proc: the calling thread, which is all the platform's setpriority names
  }
  // Processes started before this call (tsx's esbuild service, which compiles the modules the
  // worker loads later) are lowered too, every thread of them.
  const children = tasks.flatMap((tid) => childrenOf(tid));
  const all = [...tasks, ...children.flatMap((pid) => threadsOf(pid, [pid]))];
  for (const tid of all) {
    try {
      // Never raise it: a process started under `nice 15` stays there.
      if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
    } catch (e) {
      if (!tasks.includes(tid)) continue; // a child's thread that ended meanwhile
      throw e;
    }
  }
  return { threads: all.length, sessionGroup: lowerOwnSessionGroup(nice) };
}

/** The autogroup's nice, when this process leads its session (so the group is its own); false when not, or without autogroups. */
function lowerOwnSessionGroup(nice: number): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // after "pid (comm) ": state, ppid, pgrp, session
    const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    if (session !== process.pid) return false;
    const current = Number(/nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'))?.[1] ?? NaN);
    if (!(current < nice)) return current >= nice;
    writeFileSync('/proc/self/autogroup', String(nice));
    return true;
  } catch {
    return false; // no /proc, or a kernel without autogroups
  }
}

function threadsOf(pid: number | 'self', otherwise?: number[]): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number).filter(Number.isInteger);
  } catch (e) {
    if (otherwise) return otherwise;
    throw e;
  }
}

function childrenOf(tid: number): number[] {
  if (tid === 0) return [];
  try {
    return readFileSync(`/proc/self/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Jobs one worker runs at once: what is configured, but never more than the cores it can use. */
export function boundedByCores(configured: number): number {
  return Math.max(1, Math.min(configured, os.availableParallelism()));
}

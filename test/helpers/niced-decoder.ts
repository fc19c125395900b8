/**
 * Run in a process of its own by test/unit/media/heic-niced.test.ts: lowers its CPU priority as
 * worker/main.ts does, first of all, then decodes a HEIC's picture through this process's shared
 * HEVC decoders (as the worker's first look and preview do) and prints, as JSON, the nice value of
 * each of its own threads, of each decoder (by `ps -o ni`, and each of its threads by /proc) and of
 * each other child process (one it starts just before lowering its priority, and tsx's esbuild
 * service when it runs).
 * Arguments: the nice value, then the HEIC file.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { readHeifItems } from '../../domain/media/heif';
import { PREVIEW_EDGE, THUMB_EDGE } from '../../domain/media/derivatives';
import { decodeHeifImageShared } from '../../infra/media/heif-decode';
import { sharedHevcDecoderPids } from '../../infra/media/hevc-decoder';
import { lowerProcessPriority } from '../../infra/process-priority';

/** The nice value of every thread of `pid` (field 19 of /proc/…/stat). */
function threadNices(pid: number | 'self'): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

async function main() {
  const [nice, file] = [Number(process.argv[2]), process.argv[3]!];
  // A child already running when the priority is lowered, as tsx's esbuild service can be in the worker.
  const earlier = spawn('sleep', ['120'], { stdio: 'ignore' });
  lowerProcessPriority(nice);
  const items = readHeifItems(fs.readFileSync(file));
  await Promise.all([decodeHeifImageShared(items.primary, { edge: PREVIEW_EDGE }), decodeHeifImageShared(items.primary, { edge: THUMB_EDGE })]);
  const decoders = sharedHevcDecoderPids().map((pid) => ({
    pid,
    command: execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim(),
    ni: Number(execFileSync('ps', ['-o', 'ni=', '-p', String(pid)], { encoding: 'utf8' }).trim()),
    threads: threadNices(pid),
  }));
  // Every other child: those started before the priority was lowered (tsx's esbuild service).
  const decoderPids = new Set(decoders.map((d) => d.pid));
  const children = fs.readdirSync('/proc/self/task').flatMap((tid) => fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  const others = children.filter((pid) => !decoderPids.has(pid)).map((pid) => ({
    pid,
    command: execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim(),
    threads: threadNices(pid),
  }));
  process.stdout.write(JSON.stringify({ self: threadNices('self'), decoders, others }));
  earlier.kill();
  process.exit(0);
}

void main();

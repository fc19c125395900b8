import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MediaError } from '../../domain/media/errors';

export type ToolResult = { code: number | null; stdout: Buffer; stderr: string };

/**
 * How far past its limit a tool may run in wall time while it has not used its limit in CPU time.
 * The limit is there to stop a file that makes a decoder work forever; a sound file on a machine
 * busy with a noon burst (the worker is niced) is slow in wall time only, and failing it would mark
 * good evidence as unreadable for good.
 */
export const STARVED_WALL_FACTOR = 8;
/** /proc reports CPU time in USER_HZ ticks, which Linux fixes at 100 for user space. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a running process has used; null where /proc cannot tell. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is the 3rd, utime the 14th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** A running process's state letter (R running, S sleeping, D disk, Z zombie…); null where /proc cannot tell. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * Runs a media tool with an argument array (no shell), a time limit and an output cap; `stdin`,
 * when given, is written to its standard input.
 * The limit counts the CPU time the tool used: past it in wall time, a tool that has not used it
 * in CPU (it was starved, not stuck on the file) may go on up to STARVED_WALL_FACTOR × the limit.
 * A time-out kills the process and throws MediaError('timeout'); a non-zero exit is returned,
 * not thrown, so callers decide whether it is fatal.
 */
export function runTool(
  command: string,
  args: string[],
  opts: { timeoutMs: number; maxStdoutBytes?: number; /** stdout is handed over as it comes, not kept */ onStdout?: (chunk: Buffer) => void; stdin?: Buffer },
): Promise<ToolResult> {
  const maxStdout = opts.maxStdoutBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    // A tool that stops reading (it failed, or was killed) must not take the worker down with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.stdin);
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let failure: Error | null = null;
    const stop = (error: Error) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const started = Date.now();
    const checkTime = () => {
      const cpuMs = child.pid === undefined ? null : (processCpuSeconds(child.pid) ?? Infinity) * 1000;
      const wallMs = Date.now() - started;
      const hardLimitMs = opts.timeoutMs * STARVED_WALL_FACTOR;
      if (cpuMs !== null && cpuMs < opts.timeoutMs && wallMs < hardLimitMs) {
        timer = setTimeout(checkTime, Math.min(opts.timeoutMs - cpuMs, hardLimitMs - wallMs) + 1);
        return;
      }
      stop(new MediaError('timeout', `${command} took longer than ${opts.timeoutMs / 1000} s`));
    };
    let timer = setTimeout(checkTime, opts.timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (opts.onStdout) return opts.onStdout(chunk);
      outBytes += chunk.length;
      if (outBytes > maxStdout) stop(new MediaError('too_large', `${command} produced more than ${maxStdout} bytes`));
      else out.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 16_384) stderr += chunk.toString('utf8');
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(failure ?? e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else resolve({ code, stdout: Buffer.concat(out), stderr: stderr.trim() });
    });
  });
}

/** ffmpeg/ffprobe must only ever open the local file they are given (no http:, concat:, etc.). */
export const ffInput = (filePath: string) => ['-protocol_whitelist', 'file', '-i', `file:${filePath}`];

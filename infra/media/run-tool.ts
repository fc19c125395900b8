import { spawn } from 'node:child_process';
import { MediaError } from '../../domain/media/errors';

export type ToolResult = { code: number | null; stdout: Buffer; stderr: string };

/**
 * Runs a media tool with an argument array (no shell), a hard time limit and an output cap;
 * `stdin`, when given, is written to its standard input.
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
    const timer = setTimeout(
      () => stop(new MediaError('timeout', `${command} took longer than ${opts.timeoutMs / 1000} s`)),
      opts.timeoutMs,
    );
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

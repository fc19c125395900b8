import type { LogNotaries, NotaryAnswer } from '../../domain/ports/log-notaries';

async function post(url: string, body: string | Buffer, contentType: string, timeoutMs: number): Promise<NotaryAnswer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : new Uint8Array(body), signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

/** Witnesses and timestamping authorities over HTTP(S), with fetch's keep-alive connections. */
export const httpNotaries: LogNotaries = {
  addCheckpoint: (url, body, timeoutMs) => post(`${url}/add-checkpoint`, body, 'text/plain; charset=utf-8', timeoutMs),
  timestamp: (url, request, timeoutMs) => post(url, request, 'application/timestamp-query', timeoutMs),
};

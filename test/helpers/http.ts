import fs from 'node:fs/promises';
import path from 'node:path';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';
import type { Role } from '../../domain/accounts/model';
import type { AppContext } from '../../domain/context';

/** A browser-like client: keeps cookies, knows its CSRF token. */
export class Client {
  private cookies = new Map<string, string>();
  csrf = '';

  /** Tests read English unless they ask for Russian (pages otherwise default to Russian). */
  constructor(
    readonly base: string,
    readonly lang: 'en' | 'ru' = 'en',
  ) {}

  /** The same browser (cookies, CSRF token) sending to another address: another API process behind one load balancer. */
  at(base: string): Client {
    const other = new Client(base, this.lang);
    other.cookies = this.cookies;
    other.csrf = this.csrf;
    return other;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async fetch(pathname: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('accept-language')) headers.set('accept-language', this.lang);
    if (this.cookies.size) headers.set('cookie', this.cookieHeader());
    const res = await fetch(this.base + pathname, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      if (v.join('=') === '') this.cookies.delete(k!);
      else this.cookies.set(k!, v.join('='));
    }
    return res;
  }

  /** Loads a page and remembers the CSRF token its forms carry. */
  async page(pathname: string): Promise<{ res: Response; body: string }> {
    const res = await this.fetch(pathname);
    const body = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? /data-csrf="([^"]+)"/.exec(body)?.[1];
    if (token) this.csrf = token;
    return { res, body };
  }

  async postForm(pathname: string, fields: Record<string, string>, csrf = this.csrf): Promise<Response> {
    return this.fetch(pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    });
  }
}

export const SUBMISSION_FIELDS = {
  election_id: '1',
  region: 'Москва',
  station_number: '8050',
  category_code: 'ballot_stuffing',
  description: 'Вброс бюллетеней в 12:05, видно на фото',
};

export type UploadFile = { name: string; data: Buffer; type?: string };

export async function fileFromPath(p: string): Promise<UploadFile> {
  return { name: path.basename(p), data: await fs.readFile(p) };
}

export function submissionForm(fields: Record<string, string>, files: UploadFile[]): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) form.append('files', new Blob([new Uint8Array(f.data)], { type: f.type ?? 'application/octet-stream' }), f.name);
  return form;
}

/** Posts a submission through the JSON API as the anonymous upload page would. */
export async function uploadSubmission(client: Client, fields: Record<string, string>, files: UploadFile[]): Promise<Response> {
  if (!client.csrf) await client.page('/');
  return client.fetch('/api/v1/submissions', {
    method: 'POST',
    headers: { 'x-csrf-token': client.csrf, accept: 'application/json' },
    body: submissionForm(fields, files),
  });
}

let accountCounter = 0;

/** A moderator (or admin) account created through the domain service, logged in over HTTP. */
export async function loggedInClient(ctx: AppContext, base: string, role: Role = 'moderator'): Promise<Client & { email: string }> {
  const email = `${role}-${process.pid}-${Date.now()}-${accountCounter++}@example.org`;
  const password = 'correct horse battery staple';
  const token = await createAccountWithLink(ctx, email, role);
  await setPasswordWithToken(ctx, token, password);
  const client = new Client(base) as Client & { email: string };
  client.email = email;
  await client.page('/login');
  const res = await client.postForm('/login', { email, password });
  if (res.status !== 303) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  await client.page('/moderation');
  return client;
}

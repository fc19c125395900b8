import type { Client } from './http';

/** Every checklist item ticked, as a moderator who found all four checks satisfied sends it. */
export const ALL_CHECKS = { check_source: 'on', check_time: 'on', check_place: 'on', check_content: 'on' } as const;

/** The entry version a review page's forms carry (optimistic concurrency). */
export function formVersion(body: string): string {
  const version = /name="version" value="(\d+)"/.exec(body)?.[1];
  if (!version) throw new Error('the page has no decision form with a version');
  return version;
}

const HTML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The observer's words the "use the observer's words" button puts into the public description. */
export function observerWords(body: string): string {
  const escaped = /data-observer-words="([^"]*)"/.exec(body)?.[1];
  if (escaped === undefined) throw new Error('the page offers no observer’s words');
  return escaped.replace(/&(amp|lt|gt|quot|#39);/g, (e) => HTML_ENTITIES[e]!);
}

const publishes = (fields: Record<string, string>) => fields.action === 'publish' || fields.action === 'verify_publish';

/**
 * Opens the review page (claiming the entry) and posts one decision from it, as the page's form would.
 * A publication that names no public description takes the observer's words, as a moderator who
 * clicks "use the observer's words" does (the server refuses an empty one).
 */
export async function decideFromPage(client: Client, submissionId: string, fields: Record<string, string>): Promise<Response> {
  const { body } = await client.page(`/moderation/submissions/${submissionId}`);
  const description: Record<string, string> = publishes(fields) && fields.public_description === undefined ? { public_description: observerWords(body) } : {};
  return client.postForm(`/moderation/submissions/${submissionId}/decision`, { version: formVersion(body), ...description, ...fields });
}

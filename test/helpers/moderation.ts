import type { Client } from './http';

/** Every checklist item ticked, as a moderator who found all four checks satisfied sends it. */
export const ALL_CHECKS = { check_source: 'on', check_time: 'on', check_place: 'on', check_content: 'on' } as const;

/** The entry version a review page's forms carry (optimistic concurrency). */
export function formVersion(body: string): string {
  const version = /name="version" value="(\d+)"/.exec(body)?.[1];
  if (!version) throw new Error('the page has no decision form with a version');
  return version;
}

/** Opens the review page (claiming the entry) and posts one decision from it, as the page's form would. */
export async function decideFromPage(client: Client, submissionId: string, fields: Record<string, string>): Promise<Response> {
  const { body } = await client.page(`/moderation/submissions/${submissionId}`);
  return client.postForm(`/moderation/submissions/${submissionId}/decision`, { version: formVersion(body), ...fields });
}

/** Run-time settings the admins change on /admin/settings. */

export type AppSettings = { require_totp: boolean };

/** An election's publication hold: nothing of it is published before its polls close, while the hold is on. */
export type PublicationHold = { id: number; slug: string; name_ru: string; name_en: string; polls_close_at: Date | null; hold_publication: boolean };

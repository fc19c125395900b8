import { Transform } from 'node:stream';
import { toExportRecord, type ArchiveListEntry, type ExportEntry } from '../../domain/archive/model';
import { escapeHtml } from '../../web/html';
import type { Lang } from '../../web/i18n';
import { entryUrl } from '../../web/links';

/** Exports of a search: a JSON array written record by record (CSV comes whole from the database); and Atom. */

/** Records are passed on in chunks of about this many characters: one socket write per chunk, not per record. */
const CHUNK_CHARS = 64 * 1024;

/** A JSON array of the entries' export records, written record by record and passed on in ~64 KB chunks. */
export function jsonArrayTransform(baseUrl: string): Transform {
  const permalinkBase = baseUrl + entryUrl('');
  let pending = '';
  let records = 0;
  return new Transform({
    writableObjectMode: true,
    transform(entry: ExportEntry, _enc, done) {
      pending += `${records++ ? ',\n' : '[\n'}${JSON.stringify(toExportRecord(entry, permalinkBase))}`;
      if (pending.length < CHUNK_CHARS) return done();
      const chunk = pending;
      pending = '';
      done(null, chunk);
    },
    flush(done) {
      done(null, pending + (records ? '\n]\n' : '[]\n'));
    },
  });
}

/**
 * What XML 1.0 does not allow in a document (C0 controls but tab, LF and CR; lone surrogates;
 * U+FFFE and U+FFFF): one such character in an observer's text would make the whole feed
 * unreadable for every subscriber, so it is dropped.
 */
const XML_FORBIDDEN = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text as XML character data or an attribute value. */
const xml = (text: string) => escapeHtml(text.replace(XML_FORBIDDEN, ''));

/** An Atom feed of the newest publications matching a search (ids are urn:uuid, stable forever). */
export function atomFeed(rows: ArchiveListEntry[], feed: { lang: Lang; title: string; selfUrl: string; pageUrl: string; baseUrl: string }): string {
  const updated = (rows[0]?.published_at ?? new Date(0)).toISOString();
  const entries = rows.map((r) => {
    const category = feed.lang === 'ru' ? r.category_label_ru : r.category_label_en;
    const title = r.title ?? `${category} · ${r.region} · ${r.station_number}`;
    return `  <entry>
    <id>urn:uuid:${r.id}</id>
    <title>${xml(title)}</title>
    <link rel="alternate" type="text/html" href="${xml(feed.baseUrl + entryUrl(r.id))}"/>
    <published>${r.published_at.toISOString()}</published>
    <updated>${r.published_at.toISOString()}</updated>
    <category term="${xml(r.category_code)}" label="${xml(category)}"/>
    <summary>${xml(r.excerpt)}</summary>
  </entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${feed.lang}">
  <id>${xml(feed.selfUrl)}</id>
  <title>${xml(feed.title)}</title>
  <link rel="self" type="application/atom+xml" href="${xml(feed.selfUrl)}"/>
  <link rel="alternate" type="text/html" href="${xml(feed.pageUrl)}"/>
  <updated>${updated}</updated>
  <author><name>Svidetel</name></author>
${entries.join('\n')}
</feed>
`;
}

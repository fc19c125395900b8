/**
 * The search benchmark's cached seed (scripts/bench/archive-seed.ts) is reused across a migration
 * that only adds or changes plain indexes (it is applied on top), and seeded again when anything
 * that decides the seeded rows changes: a table, the view, a unique index.
 */
import { readFileSync } from 'node:fs';
import { SCHEMA_FILE } from '../../../scripts/db-schema';
import { schemaWithoutPlainIndexes, seedVersion } from '../../../scripts/bench/archive-seed';

const schema = readFileSync(SCHEMA_FILE, 'utf8');
const INDEX = /^CREATE INDEX archive_entries_text_filters_idx ON .*$/m;
const INDEX_NAME = /^-- Name: archive_entries_text_filters_idx; Type: INDEX; .*$/m;

test('a plain index added, changed or dropped keeps the seed', () => {
  expect(schema).toMatch(INDEX);
  const version = seedVersion(1000, schema);
  const changed = schema.replace(INDEX, 'CREATE INDEX archive_entries_text_filters_idx ON public.archive_entries USING gin (search_text);');
  const renamed = changed.replace(INDEX_NAME, '-- Name: archive_entries_text_idx; Type: INDEX; Schema: public; Owner: -');
  const dropped = schema.replace(INDEX, '').replace(INDEX_NAME, '');
  const added = `${schema}\n--\n-- Name: extra_idx; Type: INDEX; Schema: public; Owner: -\n--\n\nCREATE INDEX extra_idx ON public.archive_entries USING btree (title);\n`;
  for (const other of [changed, renamed, dropped, added]) expect(seedVersion(1000, other)).toBe(version);
  expect(schemaWithoutPlainIndexes(schema)).not.toMatch(/^CREATE INDEX /m);
});

test('the view, a table, a unique index or the row count changes the seed', () => {
  const version = seedVersion(1000, schema);
  expect(seedVersion(2000, schema)).not.toBe(version);
  const view = schema.replace("COALESCE(s.public_description, s.description) AS description", 's.description AS description');
  expect(view).not.toBe(schema);
  const table = schema.replace('    title text,\n    search_text tsvector NOT NULL,', '    title text NOT NULL,\n    search_text tsvector NOT NULL,');
  expect(table).not.toBe(schema);
  const unique = `${schema}\nCREATE UNIQUE INDEX once_idx ON public.archive_entries USING btree (station_number);\n`;
  for (const other of [view, table, unique]) expect(seedVersion(1000, other)).not.toBe(version);
});

import { createHash, randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import http from 'node:http';
import { describeWithFixtures, fixturePath, loadExpected } from '../helpers/fixtures';
import { Client, fileFromPath, loggedInClient } from '../helpers/http';
import { startSystem, type TestSystem } from '../helpers/system';
import { EXPORT_FIELDS, type RankedMatch } from '../../domain/archive/model';
import { exportCsv, exportRows } from '../../domain/archive/archive.service';
import { buildFilters, relevanceWindow } from '../../domain/archive/search.service';
import { ownElection, publish, uniquePng, uploadAndProcess, withdraw } from './archive-helpers';

/**
 * Search over real published entries: uploaded over HTTP, processed by the real worker, published
 * through the moderation form. Every query is limited to this file's own election.
 */
type ListItem = { id: string; region: string; station_number: string; category: { code: string }; has_video: boolean; captured_at: string | null; published_at: string; title: string | null; location: { lat: number; lon: number } | null };
type Page = { items: ListItem[]; next: string | null; sort: string };

const expected = loadExpected();
const byName = (name: string) => expected.find((e) => e.file === name)!;

describeWithFixtures('archive search', () => {
  let system: TestSystem;
  let election: number;
  const nonce = `n${randomBytes(4).toString('hex')}`; // a word only this run's entries contain
  const ids: Record<string, string> = {};
  const fillers: string[] = [];

  const api = async (path: string, init?: RequestInit) => fetch(`${system.url}${path}`, init);
  const search = async (params: Record<string, string | string[]>): Promise<Page> => {
    const q = new URLSearchParams({ election: String(election) });
    for (const [k, v] of Object.entries(params)) for (const value of [v].flat()) q.append(k, value);
    const res = await api(`/api/v1/search?${q}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };
  const found = async (params: Record<string, string | string[]>) => (await search({ limit: '100', ...params })).items.map((i) => i.id).sort();

  beforeAll(async () => {
    system = await startSystem({ env: { PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
    election = (await ownElection(system, 'search')).id;
    const moderator = await loggedInClient(system.ctx, system.url);
    const base = { election_id: String(election), reporter_role: 'observer' };
    const pixel = await fileFromPath(fixturePath('google-pixel_gps.jpg'));
    const video = await fileFromPath(fixturePath('android_gps_xyz.mp4'));
    const screenshot = await fileFromPath(fixturePath('macos-screenshot_noexif.png'));

    ids.ru = await uploadAndProcess(system, { ...base, region: 'Москва', station_number: '1201', category_code: 'ballot_stuffing', description: `Вброс бюллетеней в урну, ${nonce}` }, [pixel]);
    await publish(moderator, ids.ru, { public_location: 'precise', public_device: true, original_downloadable: true });
    ids.en = await uploadAndProcess(system, { ...base, region: 'Республика Татарстан', station_number: '1202', category_code: 'ballot_stuffing', description: `Ballot stuffing caught on "camera", ${nonce}\nwith a second line` }, [screenshot]);
    await publish(moderator, ids.en, { public_title: `Stuffing at station 1202 ${nonce}` });
    // typed as an observer might: stored as the list's Москва (issue 17, item 5)
    ids.video = await uploadAndProcess(system, { ...base, region: 'г. москва', station_number: '1201', category_code: 'observer_rights', description: `Наблюдателя удалили с участка ${nonce}` }, [video]);
    await publish(moderator, ids.video, { public_location: 'hidden' });
    for (let i = 0; i < 4; i++) {
      const id = await uploadAndProcess(system, { ...base, region: 'Санкт-Петербург', station_number: '1203', category_code: 'queues_protest', description: `Очередь у участка ${nonce} номер ${i}` }, [screenshot]);
      await publish(moderator, id);
      fillers.push(id);
    }
    ids.withdrawn = await uploadAndProcess(system, { ...base, region: 'Москва', station_number: '1204', category_code: 'ballot_stuffing', description: `Снятый материал ${nonce}` }, [screenshot]);
    await publish(moderator, ids.withdrawn);
    await withdraw(moderator, ids.withdrawn, 'Автор попросил снять: опасность для наблюдателя');
  }, 600_000);

  afterAll(async () => {
    await system?.stop();
  });

  test('Russian stemming: «вбросы» finds «вброс»; English: "stuffed" finds "stuffing"', async () => {
    // «вбросы» is also the ballot_stuffing category's Russian label, which is searched too (issue 17, item 4)
    expect(await found({ q: 'вбросы' })).toEqual([ids.ru, ids.en].sort());
    // "stuffed" finds the English text, and the Russian entry by its category's English label
    expect(await found({ q: 'stuffed' })).toEqual([ids.ru, ids.en].sort());
    // the public title is searched too (and the category's English label: the Russian entry is ballot stuffing as well)
    expect(await found({ q: `stuffing ${nonce}` })).toEqual([ids.ru, ids.en].sort());
    expect(await found({ q: `"caught on camera" ${nonce}` })).toEqual([ids.en]);
    expect(await found({ q: 'наблюдатели' })).toEqual([ids.video]);
  });

  test('websearch syntax keeps its meaning: "or", exclusions, phrases', async () => {
    expect(await found({ q: 'вбросы or наблюдатели' })).toEqual([ids.ru, ids.en, ids.video].sort());
    expect(await found({ q: `${nonce} -вброс -stuffing -наблюдатель -очередь` })).toEqual([]);
    expect(await found({ q: `${nonce} -очередь` })).toEqual([ids.ru, ids.en, ids.video].sort());
    expect(await found({ q: `"вброс бюллетеней" ${nonce}` })).toEqual([ids.ru]);
    // an excluded word is never taken for a region to narrow to: it excludes the entries that name it (their region is searched)
    expect(await found({ q: `${nonce} -Москва` })).toEqual((await found({ q: nonce })).filter((id) => id !== ids.ru && id !== ids.video));
  });

  test('station numbers and typo-tolerant region names', async () => {
    expect(await found({ q: '1201' })).toEqual([ids.ru, ids.video].sort());
    expect(await found({ q: '№1202' })).toEqual([ids.en]);
    expect(await found({ station: '1203' })).toEqual([...fillers].sort());
    expect(await found({ region: 'Масква' })).toEqual([ids.ru, ids.video].sort());
    expect(await found({ region: 'татарстан' })).toEqual([ids.en]);
    expect(await found({ q: 'вброс Москва' })).toEqual([ids.ru]);
    expect(await found({ region: 'Nowhere-at-all' })).toEqual([]);
  });

  test('search finds what people type: station phrases, category labels, region and election names in both languages (issue 17, item 4)', async () => {
    for (const q of ['УИК 1202', 'уик №1202', 'участок 1202', 'участок № 1202', 'избирательный участок 1202', '№1202', 'polling station 1202', 'station #1202']) {
      expect({ q, found: await found({ q }) }).toEqual({ q, found: [ids.en] });
    }
    const stuffing = [ids.ru, ids.en].sort();
    for (const q of ['ballot stuffing', 'stuffing', 'carousel', 'карусель', 'карусели', '«карусели»', 'вбросы']) {
      expect({ q, found: await found({ q }) }).toEqual({ q, found: stuffing });
    }
    expect(await found({ q: 'protest' })).toEqual([...fillers].sort());
    expect(await found({ q: 'Moscow' })).toEqual([ids.ru, ids.video].sort());
    expect(await found({ q: 'Tatarstan' })).toEqual([ids.en]);
    expect(await found({ q: 'Санкт-Петербург очередь' })).toEqual([...fillers].sort());
    const all = [ids.ru, ids.en, ids.video, ...fillers].sort();
    expect(await found({ q: 'Test' })).toEqual(all); // the election's English name
    expect(await found({ q: 'Тест' })).toEqual(all);
  });

  test('every filter, alone and combined', async () => {
    const pixel = byName('google-pixel_gps.jpg');
    const video = byName('android_gps_xyz.mp4');
    expect(await found({ category: 'observer_rights' })).toEqual([ids.video]);
    expect(await found({ category: ['observer_rights', 'queues_protest'] })).toEqual([ids.video, ...fillers].sort());
    expect(await found({ has_video: '1' })).toEqual([ids.video]);
    expect((await found({ has_photo: '1' })).length).toBe(2 + fillers.length);
    const capturedDay = pixel.taken_at_utc!.slice(0, 10);
    expect(await found({ captured_from: capturedDay, captured_to: capturedDay })).toEqual([ids.ru]);
    expect(await found({ captured_to: video.taken_at_utc!.slice(0, 10) })).toEqual([ids.video]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await found({ published_from: today, published_to: today })).length).toBe(3 + fillers.length);
    expect(await found({ published_to: '2000-01-01' })).toEqual([]);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(await found({ verified_since: tomorrow })).toEqual([]);
    expect((await found({ verified_since: today })).length).toBe(3 + fillers.length);
    expect(await found({ region: 'Москва', category: 'ballot_stuffing', has_photo: '1', q: nonce })).toEqual([ids.ru]);
    expect(await found({ region: 'Москва', has_video: '1', station: '1201', q: 'участка' })).toEqual([ids.video]);
    expect(await found({ region: 'Москва', has_video: '1', category: 'ballot_stuffing' })).toEqual([]);
  });

  test('relevance window: walking, the text index within a span and the whole index find the same newest matches', async () => {
    const newestFirst = (ms: RankedMatch[]) => ms.map((m) => `${m.id}:${m.rank}`);
    // the last: an election with one region, which the text index holds as one key
    for (const query of [{ q: nonce }, { q: nonce, election }, { q: `участка ${nonce}`, region: 'Санкт-Петербург' }, { q: `участка ${nonce}`, election, region: 'Санкт-Петербург' }]) {
      const filters = await buildFilters(system.ctx, query);
      for (const size of [3, 50]) {
        const everything = { size, probeRows: 1_000_000, commonShare: 0, walkRows: 1_000_000, spanRows: 1_000_000, indexedRows: 0 };
        const all = await relevanceWindow(system.ctx, filters, everything); // walks read every entry
        expect(all.length).toBe(Math.min(size, query.region ? fillers.length : 3 + fillers.length));
        const plans = [
          { ...everything, probeRows: 1, commonShare: 2, spanRows: 2 }, // the words seem rare: the text index within the newest 2 entries, then everywhere
          { ...everything, probeRows: 1, commonShare: 2 }, // no span edge (fewer entries): the whole text index
          { ...everything, probeRows: 3, walkRows: 2, spanRows: 1 }, // a walk too short, then the text index
          { ...everything, probeRows: 3 }, // a short probe, then a walk over everything
          { ...everything, indexedRows: 1_000_000 }, // with filters: the text index when it would read no more than the walk
        ];
        for (const plan of plans) expect({ plan, found: newestFirst(await relevanceWindow(system.ctx, filters, plan)) }).toEqual({ plan, found: newestFirst(all) });
      }
    }
  });

  test('a withdrawn entry is neither listed nor searched, and its permalink says why', async () => {
    expect(await found({ q: nonce })).not.toContain(ids.withdrawn);
    expect(await found({ station: '1204' })).toEqual([]);
    const res = await api(`/api/v1/entries/${ids.withdrawn}`);
    expect(res.status).toBe(200);
    const entry = (await res.json()) as { status: string; withdrawn: { reason: string } | null; description: string | null; files: unknown[] };
    expect(entry.status).toBe('withdrawn');
    expect(entry.withdrawn?.reason).toBe('Автор попросил снять: опасность для наблюдателя');
    expect(entry.description).toBeNull();
    expect(entry.files).toEqual([]);
    const page = await (await api(`/archive/${ids.withdrawn}?lang=en`)).text();
    expect(page).toContain('Withdrawn on');
    expect(page).toContain('Автор попросил снять');
  });

  test.each(['published', 'captured', 'relevance'])('keyset pagination is stable (sort=%s)', async (sort) => {
    const params = { sort, q: nonce };
    const all = (await search({ ...params, limit: '100' })).items.map((i) => i.id);
    expect(all.length).toBe(3 + fillers.length);
    const paged: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const page: Page = await search({ ...params, limit: '2', ...(after ? { after } : {}) });
      paged.push(...page.items.map((i) => i.id));
      after = page.next;
      if (!after) break;
    }
    expect(paged).toEqual(all);
    if (sort === 'captured') {
      const times = (await search({ ...params, limit: '100' })).items.map((i) => i.captured_at);
      const known = times.filter((t): t is string => t !== null);
      expect(known).toEqual([...known].sort().reverse());
      expect(times.indexOf(null)).toBeGreaterThanOrEqual(known.length); // unknown capture times last
    }
  });

  test('the permalink shows what the moderator made public, and only that', async () => {
    const pixel = byName('google-pixel_gps.jpg');
    const ru = (await (await api(`/api/v1/entries/${ids.ru}`)).json()) as {
      location: { lat: number; lon: number; precision: string } | null;
      files: { sha256: string; bytes: number; device: string | null; original_url: string | null; captured_at: { offset: string | null; source: string | null } | null }[];
    };
    expect(ru.location).toMatchObject({ precision: 'precise' });
    expect(ru.location!.lat).toBeCloseTo(pixel.gps!.lat, 5);
    expect(ru.files[0]).toMatchObject({ sha256: pixel.sha256, bytes: pixel.bytes, device: `${pixel.make} ${pixel.model}` });
    const original = await api(ru.files[0]!.original_url!);
    expect(original.status).toBe(200);
    expect(Buffer.from(await original.arrayBuffer()).length).toBe(pixel.bytes);

    const video = (await (await api(`/api/v1/entries/${ids.video}`)).json()) as { location: unknown; files: { device: string | null; original_url: string | null; id: string }[] };
    expect(video.location).toBeNull();
    expect(video.files[0]!.device).toBeNull();
    expect(video.files[0]!.original_url).toBeNull();
    expect((await api(`/media/${video.files[0]!.id}/original`)).status).toBe(404);

    const en = (await (await api(`/api/v1/entries/${ids.en}`)).json()) as { title: string; files: { flags: string[] }[] };
    expect(en.title).toBe(`Stuffing at station 1202 ${nonce}`);
    const page = await (await api(`/archive/${ids.en}?lang=en`)).text();
    expect(page).toContain(`<h1>Stuffing at station 1202 ${nonce}</h1>`);
    expect(page).toContain('property="og:title"');
    expect(page).toContain('Cite this evidence');
    expect(page).toContain(byName('macos-screenshot_noexif.png').sha256);
    expect(en.files[0]!.flags).toContain('no_metadata');
    expect(page).toContain('no metadata (typical of messengers and screenshots)');
  });

  test('station page: everything for one station with counts per category', async () => {
    const res = await api(`/api/v1/stations/${election}/${encodeURIComponent('Москва')}/1201`);
    expect(res.status).toBe(200);
    const station = (await res.json()) as { total: number; categories: { code: string; count: number }[]; items: { id: string }[] };
    expect(station.total).toBe(2);
    expect(station.categories.map((c) => [c.code, c.count]).sort()).toEqual([['ballot_stuffing', 1], ['observer_rights', 1]]);
    expect(station.items.map((i) => i.id).sort()).toEqual([ids.ru, ids.video].sort());
    const page = await (await api(`/stations/${election}/${encodeURIComponent('Москва')}/1201?lang=en`)).text();
    expect(page).toContain('published entries: 2');
    expect((await api(`/api/v1/stations/${election}/${encodeURIComponent('Москва')}/999999`)).status).toBe(404);
  });

  test('station URLs are case-insensitive: another spelling of the region redirects to the canonical one', async () => {
    for (const spelling of ['москва', 'МОСКВА', 'Moscow']) {
      for (const prefix of ['', '/api/v1']) {
        const res = await api(`${prefix}/stations/${election}/${encodeURIComponent(spelling)}/1201?lang=en`, { redirect: 'manual' });
        expect({ spelling, prefix, status: res.status, location: res.headers.get('location') }).toEqual({
          spelling,
          prefix,
          status: 301,
          location: `${prefix}/stations/${election}/${encodeURIComponent('Москва')}/1201?lang=en`,
        });
      }
    }
    expect((await api(`/stations/${election}/${encodeURIComponent('москва')}/1201`)).status).toBe(200); // followed
    // the upload form offers the list of regions
    expect(await (await api('/')).text()).toContain('<option value="Свердловская область">');
  });

  test('map: clusters of public places under the same filters, a single point links its entry', async () => {
    const res = await api(`/api/v1/map?election=${election}&zoom=18`);
    const map = (await res.json()) as { clusters: { lat: number; lon: number; count: number; url: string | null }[] };
    // only the precise GPS entry has a public place (the others are hidden or have no GPS)
    expect(map.clusters).toHaveLength(1);
    expect(map.clusters[0]).toMatchObject({ count: 1, url: `/archive/${ids.ru}` });
    const none = (await (await api(`/api/v1/map?election=${election}&category=queues_protest`)).json()) as { clusters: unknown[] };
    expect(none.clusters).toEqual([]);
  });

  test('"is this file in the archive?" by SHA-256', async () => {
    const lookup = async (sha: string) => (await (await api(`/api/v1/files/${sha}`)).json()) as { status: string; entries: { id: string }[] };
    const pixel = await lookup(byName('google-pixel_gps.jpg').sha256.toUpperCase());
    expect(pixel.status).toBe('published');
    expect(pixel.entries.map((e) => e.id)).toContain(ids.ru);
    expect((await lookup(randomBytes(32).toString('hex'))).status).toBe('unknown');
    const unpublished = await uniquePng();
    await uploadAndProcess(system, { election_id: String(election), region: 'Москва', station_number: '1', category_code: 'other_voting_day', description: `Не опубликовано ${nonce}` }, [unpublished]);
    // Received but not published answers like a file never received (issue 11, finding 5).
    const pending = await lookup(createHash('sha256').update(unpublished.data).digest('hex'));
    expect(pending).toEqual(expect.objectContaining({ status: 'unknown', entries: [] }));
    const page = await (await api(`/check?sha256=${byName('google-pixel_gps.jpg').sha256}&lang=en`)).text();
    expect(page).toContain(`/archive/${ids.ru}`);
  });

  test('exports: CSV parses and JSON has the same rows as the search', async () => {
    const ids9 = (await search({ q: nonce, limit: '100', sort: 'published' })).items.map((i) => i.id);
    const csv = await (await api(`/api/v1/export.csv?election=${election}&q=${nonce}&sort=published`)).text();
    const rows = parseCsv(csv);
    expect(csv.endsWith('\n')).toBe(true);
    expect(rows[0]).toContain('sha256');
    expect(rows[0]).toEqual([...EXPORT_FIELDS]);
    const idColumn = rows[0]!.indexOf('id');
    expect(rows.slice(1).map((r) => r[idColumn])).toEqual(ids9);
    for (const r of rows.slice(1)) expect(r).toHaveLength(rows[0]!.length);
    const json = (await (await api(`/api/v1/export.json?election=${election}&q=${nonce}&sort=published`)).json()) as Record<string, unknown>[];
    expect(json.map((r) => r.id)).toEqual(ids9);
    expect(json.find((r) => r.id === ids.ru)!.sha256).toEqual([byName('google-pixel_gps.jpg').sha256]);
    // Both exports say the same of every entry: the CSV writes null as an empty field and a list space-separated.
    const asCsvField = (v: unknown) => (v === null ? '' : Array.isArray(v) ? v.join(' ') : String(v));
    expect(rows.slice(1)).toEqual(json.map((record) => rows[0]!.map((column) => asCsvField(record[column]))));
    const moscow = json.find((r) => r.id === ids.ru)!;
    expect(moscow).toEqual(expect.objectContaining({ description: `Вброс бюллетеней в урну, ${nonce}`, region: 'Москва', station_number: '1201', has_photo: true, file_count: 1 }));
    // every kind of filter value (a list, a time, a number, words) reaches the export
    const today = new Date().toISOString().slice(0, 10);
    const queues = parseCsv(await (await api(`/api/v1/export.csv?election=${election}&category=queues_protest&category=other_voting_day&published_from=${today}&q=${nonce}&sort=relevance`)).text());
    expect(queues.slice(1).map((r) => r[idColumn]).sort()).toEqual([...fillers].sort());
    const empty = parseCsv(await (await api(`/api/v1/export.csv?election=${election}&q=nothing${nonce}`)).text());
    expect(empty).toHaveLength(1);
    const atom = await (await api(`/api/v1/feed.atom?election=${election}&station=1201`)).text();
    expect(atom).toContain(`urn:uuid:${ids.ru}`);
    expect(atom).toContain(`urn:uuid:${ids.video}`);
    expect(atom).not.toContain(`urn:uuid:${ids.en}`);
    // a spreadsheet opens the CSV as UTF-8 (fetch's text() drops the mark, so read the bytes)
    const csvBytes = Buffer.from(await (await api(`/api/v1/export.csv?election=${election}&q=${nonce}`)).arrayBuffer());
    expect([...csvBytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csvBytes.subarray(3).toString('utf8')).toMatch(/^id,/);
  });

  test('the Atom feed speaks the language it is asked for, and its title names the search, not lang=', async () => {
    const feedIn = async (lang: 'ru' | 'en') => (await api(`/api/v1/feed.atom?election=${election}&station=1201&lang=${lang}`)).text();
    const [ru, en] = [await feedIn('ru'), await feedIn('en')];
    expect(ru).toContain('xml:lang="ru"');
    expect(ru).toMatch(/<title>Свидетель: election=\d+, station=1201<\/title>/);
    expect(ru).not.toMatch(/<title>[^<]*lang=/);
    expect(en).toMatch(/<title>Svidetel: election=\d+, station=1201<\/title>/);
    const labels = (feed: string) => [...feed.matchAll(/<category term="[^"]+" label="([^"]+)"/g)].map((m) => m[1]);
    expect(labels(ru).length).toBeGreaterThan(0);
    for (const label of labels(ru)) expect(label).toMatch(/[А-Яа-яЁё]/);
    for (const label of labels(en)) expect(label).not.toMatch(/[А-Яа-яЁё]/);
    expect(await (await api(`/api/v1/feed.atom?election=${election}`, { headers: { 'Accept-Language': 'en-GB' } })).text()).toContain('<title>Svidetel: election=');
  });

  test('an export abandoned half-way leaves no connection in its transaction', async () => {
    for (const open of [() => exportCsv(system.ctx, { election }, 'https://example.org/archive/'), () => exportRows(system.ctx, { election })]) {
      const stream = await open();
      stream.destroy(); // the client went away
      await new Promise((resolve) => setImmediate(resolve));
      // The pool hands out its most recently returned connection first: a write must not land in a read-only export transaction.
      for (let i = 0; i < 3; i++) await ownElection(system, `after-export-${i}`);
    }
  });

  test('ETag and Last-Modified: a repeated request is a 304', async () => {
    // node:http, because fetch marks a conditional request "Cache-Control: no-cache" (which a server must not answer with 304)
    const conditional = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        http.get(`${system.url}${path}`, { headers }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        }).once('error', reject);
      });
    for (const path of [`/api/v1/entries/${ids.ru}`, `/archive/${ids.ru}`, `/api/v1/search?election=${election}&q=${nonce}`]) {
      const first = await api(path);
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag');
      expect(etag).toBeTruthy();
      expect(await conditional(path, { 'if-none-match': etag! })).toBe(304);
    }
    const entry = await api(`/api/v1/entries/${ids.ru}`);
    const since = entry.headers.get('last-modified');
    expect(since).toBeTruthy();
    expect(await conditional(`/api/v1/entries/${ids.ru}`, { 'if-modified-since': since! })).toBe(304);
  });

  test('the search page works without JavaScript, keeps its filters in the URL, and stays small', async () => {
    const client = new Client(system.url);
    const { res, body } = await client.page(`/archive?election=${election}&q=${encodeURIComponent('вбросы')}&region=&has_photo=1&lang=ru`);
    expect(res.status).toBe(200);
    expect(body).toContain(`/archive/${ids.ru}`);
    expect(body).not.toContain(`/archive/${ids.video}`);
    expect(body).toContain('name="has_photo" value="1" checked');
    expect(body).toContain(`/api/v1/export.csv?election=${election}&amp;q=`);
    expect(Buffer.byteLength(body)).toBeLessThan(100_000);
    const first = await client.page(`/archive?election=${election}&q=${nonce}&limit=2&sort=published`);
    const next = /rel="next" href="([^"]+)"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
    expect(next).toContain('after=');
    expect((await client.page(next!)).res.status).toBe(200);
  });

  // last: one more entry, which the counts of the tests above do not expect
  test('"count" and «подсчёт» find an entry of a counting category by its label (issue 17, "What was seen")', async () => {
    const moderator = await loggedInClient(system.ctx, system.url);
    const id = await uploadAndProcess(system, { election_id: String(election), reporter_role: 'observer', region: 'Москва', station_number: '1205', category_code: 'count_falsified', description: `Итоги переписали ${nonce}` }, [await uniquePng()]);
    await publish(moderator, id);
    for (const q of ['count', 'the count', 'counted', 'подсчёт', 'подсчет', 'подсчёте', 'искажение итогов']) {
      expect({ q, found: await found({ q }) }).toEqual({ q, found: [id] });
    }
  });
});

/** RFC 4180 fields, strictly (quotes only around whole fields, every row as long as the header), LF line ends. */
const parseCsv = (text: string): string[][] => parse(text, { record_delimiter: '\n', relax_quotes: false, relax_column_count: false });

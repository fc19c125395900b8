import { startSystem, type TestSystem } from '../helpers/system';

/**
 * Whatever a client sends to the public archive: a 400 naming the problem, or an honest empty
 * result; never a 500. No worker and no data needed: validation comes first, and an empty result
 * is as honest on an empty archive as on a full one.
 */
describe('archive: bad input', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const get = async (path: string) => {
    const res = await fetch(`${system.url}${path}`);
    const text = await res.text();
    return { status: res.status, text, json: res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as { error?: { code: string; message: string } }) : null };
  };

  const otherSortCursor = Buffer.from(JSON.stringify({ s: 'captured', k: null, id: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
  test.each([
    ['/api/v1/search?colour=red', /Unknown parameter\(s\): colour/],
    ['/api/v1/search?limit=0', /limit must be at least 1/],
    ['/api/v1/search?limit=100000', /limit may be at most 100/],
    ['/api/v1/search?limit=ten', /limit must be a number/],
    ['/api/v1/search?captured_from=yesterday', /captured_from must be a date/],
    ['/api/v1/search?published_to=2024-02-31', /published_to must be a real date/],
    ['/api/v1/search?captured_from=0001-01-01', /between 1990 and 2100/],
    ['/api/v1/search?published_from=2024-03-17&published_to=2024-03-01', /published_from must be before published_to/],
    ['/api/v1/search?station=12a', /1 to 6 digits/],
    ['/api/v1/search?election=-3', /election must be at least 1/],
    ['/api/v1/search?election=99999999999', /election may be at most 2147483647/],
    ['/api/v1/search?category=DROP%20TABLE', /A category is a code/],
    ['/api/v1/search?has_video=maybe', /has_video must be 1 or 0/],
    ['/api/v1/search?sort=random', /sort must be one of: relevance, captured, published/],
    ['/api/v1/search?q=a&q=b', /q must be given once/],
    ['/api/v1/search?q=%00%01', /control characters/],
    [`/api/v1/search?q=${'x'.repeat(501)}`, /at most 500 characters/],
    ['/api/v1/search?after=not-a-cursor', /page link is malformed/],
    [`/api/v1/search?sort=published&after=${otherSortCursor}`, /another sort order/],
    ['/api/v1/map?bbox=1,2,3', /bbox is west,south,east,north/],
    ['/api/v1/map?bbox=10,50,5,60', /west < east/],
    ['/api/v1/map?zoom=99', /zoom may be at most 18/],
    ['/api/v1/files/abc', /64 hexadecimal digits/],
    [`/api/v1/files/${'g'.repeat(64)}`, /64 hexadecimal digits/],
    ['/api/v1/entries/not-a-uuid', /id is malformed/],
    ['/api/v1/stations/x/Москва/1', /election must be a number/],
    ['/api/v1/export.csv?limit=5', /Unknown parameter\(s\): limit/],
  ])('%s → 400', async (path, message) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.json?.error?.code).toMatch(/invalid_input|bad_cursor/);
    expect(res.json?.error?.message).toMatch(message);
  });

  test.each([
    `q=${encodeURIComponent(`'; DROP TABLE submissions; --`)}`,
    `q=${encodeURIComponent('.*[(?<!)\\\\d+$^|')}`,
    `q=${encodeURIComponent('"unclosed quote & | ! <-> :* ( )')}`,
    `q=${encodeURIComponent('the and или и')}`,
    `q=${encodeURIComponent('%_\\')}`,
    `region=${encodeURIComponent("%'; --")}`,
    'category=no_such_category',
    'election=2147483647',
  ])('%s → 200 with an honest empty result', async (query) => {
    const res = await get(`/api/v1/search?${query}&published_to=1991-01-01`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ items: [], next: null });
    const page = await get(`/archive?${query}`);
    expect(page.status).toBe(200);
  });

  test('pages answer bad input with a readable 400 page, and unknown entries with a 404', async () => {
    const page = await get('/archive?limit=5000&lang=en');
    expect(page.status).toBe(400);
    expect(page.text).toContain('limit may be at most 100');
    // a parameter of another page (the queue's): named, with the ones this page takes, no internal "input:"
    const unknown = await get('/archive?video=1&lang=en');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Unknown parameter(s): video. This address takes: q, election, region');
    expect(unknown.text).toContain('has_video');
    expect(unknown.text).not.toContain('input:');
    expect((await get('/archive/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('/check?sha256=xyz')).status).toBe(400);
    expect((await get('/api/v1/export.xml')).status).toBe(404);
  });
});

describe('archive: rate limit', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { PUBLIC_API_REQUESTS_PER_MINUTE: '5' } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('the public API answers 429 with Retry-After past the limit; pages have a budget of their own', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${system.url}/api/v1/search`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await fetch(`${system.url}/api/v1/categories`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect((await fetch(`${system.url}/archive`)).status).toBe(200);
  });
});

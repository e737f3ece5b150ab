import * as parser from 'socket.io-parser';
import { io as ioClient } from 'socket.io-client';
import type { Ack, Task } from '../../shared/protocol';
import { jsonl, makeProject, ok, pairwiseItems, startServer, type Client, type TestServer } from '../helpers/server';

/**
 * Deeply nested JSON is refused where it is read, with a 400 / invalid-input that names the line (or field) and
 * the 64-level limit, and the server keeps serving: through the real import route, the real socket and real
 * REST bodies. Before the limit, such input reached code that recurses (JSON.stringify, the exports) and came
 * back as a 500 / internal.
 */

const LIMIT = /nested deeper than 64 levels/;
const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
const objects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const record = (id: string, meta: string) => `{"id":"${id}","question":"Q ${id}?","answer_a":"a","answer_b":"b","meta":${meta}}`;

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const itemTotal = async (pid: number) => (await s.api('GET', `/api/projects/${pid}/items?limit=1`)).body.total as number;

/** The server still answers, and still imports a good file into the project. */
async function stillServes(pid: number): Promise<void> {
  expect((await s.api('GET', '/health')).body).toEqual({ ok: true });
  const r = await s.api('POST', `/api/projects/${pid}/items?upsert=1`, jsonl(pairwiseItems(2)), { type: 'application/x-ndjson' });
  expect(r).toEqual({ status: 200, body: { imported: 2 } });
}

function expectDeepRefusal(r: { status: number; body: any }, where: { line?: number; field?: string }): void {
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('invalid-input');
  expect(r.body.error.message).toMatch(LIMIT);
  const detail = (r.body.error.details as Array<{ line?: number; field?: string; message: string }>).find((d) => LIMIT.test(d.message));
  expect(detail).toMatchObject(where);
  if (where.line !== undefined) expect(r.body.error.message).toContain(`line ${where.line}${where.field ? `, ${where.field}` : ''}: `);
}

describe('deeply nested JSON in an import', () => {
  test('item meta nested 1,000 levels on line 3 of a JSONL file: 400 naming line 3, meta and the 64-level limit; nothing imported', async () => {
    const pid = await makeProject(s, {}, []);
    const body = [record('q1', '{"ok":1}'), record('q2', '{}'), record('q3', objects(1000)), record('q4', '{}')].join('\n') + '\n';
    const r = await s.api('POST', `/api/projects/${pid}/items`, body, { type: 'application/x-ndjson' });
    expectDeepRefusal(r, { line: 3, field: 'meta' });
    expect(await itemTotal(pid)).toBe(0);
    await stillServes(pid);
  });

  test('meta nested exactly to the limit is accepted (the record counts as level 1)', async () => {
    const pid = await makeProject(s, {}, []);
    const r = await s.api('POST', `/api/projects/${pid}/items`, record('q1', objects(63)) + '\n', { type: 'application/x-ndjson' });
    expect(r).toEqual({ status: 200, body: { imported: 1 } });
    const over = await s.api('POST', `/api/projects/${pid}/items`, record('q2', objects(64)) + '\n', { type: 'application/x-ndjson' });
    expectDeepRefusal(over, { line: 1, field: 'meta' });
  });

  test('a 100,000-deep element of a JSON-array import: 400 naming element 2, meta and the limit', async () => {
    const pid = await makeProject(s, {}, []);
    const body = `[${record('q1', '{}')},\n${record('q2', `{"x":${arrays(100_000)}}`)}]`;
    const r = await s.api('POST', `/api/projects/${pid}/items`, body, { type: 'application/json' });
    expectDeepRefusal(r, { line: 2, field: 'meta' });
    expect(await itemTotal(pid)).toBe(0);
    await stillServes(pid);
  });

  test('a deep meta or options cell in a CSV import: 400 naming the line and column', async () => {
    const pid = await makeProject(s, {}, []);
    const cell = (json: string) => `"${json.replace(/"/g, '""')}"`;
    const csv = `id,question,answer_a,answer_b,meta\nq1,Q,a,b,{}\nq2,Q,a,b,${cell(objects(5000))}\n`;
    const r = await s.api('POST', `/api/projects/${pid}/items`, csv, { type: 'text/csv' });
    expectDeepRefusal(r, { line: 3, field: 'meta' });

    const choice = await makeProject(s, { type: 'choice', options: ['yes', 'no'] }, []);
    const opts = `id,question,options\nc1,Q,${cell(arrays(100_000))}\n`;
    expectDeepRefusal(await s.api('POST', `/api/projects/${choice}/items`, opts, { type: 'text/csv' }), { line: 2, field: 'options' });
    expect(await itemTotal(pid)).toBe(0);
    await stillServes(pid);
  });

  test('a deep line in a labels import is refused the same way', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(2));
    const body = `{"item":"q1","annotator":"x","value":"A"}\n{"item":"q2","annotator":${arrays(2000)},"value":"B"}\n`;
    const r = await s.api('POST', `/api/projects/${pid}/labels`, body, { type: 'application/x-ndjson' });
    expectDeepRefusal(r, { line: 2, field: 'annotator' });
    expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.labels).toEqual({ human: 0, llm: 0 });
  });
});

/** A pre-serialised payload: socket.io-client's own encoder recurses (hasBinary, JSON.stringify) and cannot send 100k levels. */
class RawJson {
  constructor(readonly text: string) {}
}
class RawEncoder extends parser.Encoder {
  override encode(packet: parser.Packet): any[] {
    const [event, arg] = Array.isArray(packet.data) ? (packet.data as [string, unknown]) : [];
    if (packet.type === parser.PacketType.EVENT && arg instanceof RawJson) return [`${packet.type}${packet.id ?? ''}[${JSON.stringify(event)},${arg.text}]`];
    return super.encode(packet);
  }
}

function connectRaw(token: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = ioClient(s.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, parser: { ...parser, Encoder: RawEncoder } as never }) as Client;
    c.once('connect', () => resolve(c));
    c.once('connect_error', reject);
  });
}

const emitRaw = (c: Client, event: string, text: string) =>
  new Promise<Ack<unknown>>((resolve) => (c as unknown as { emit: (...a: unknown[]) => void }).emit(event, new RawJson(text), resolve));

describe('deeply nested JSON over the socket', () => {
  test("a judge label whose meta is nested 100,000 levels: invalid-input naming meta and the limit; the judge's next submit is stored", async () => {
    const pid = await makeProject(s, {}, pairwiseItems(2));
    const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'deep-judge' })).body as { id: number; token: string };
    const c = await connectRaw(judge.token);
    const task = await ok<Task>(c, 'task:next');
    const payload = `{"leaseId":${JSON.stringify(task.leaseId)},"value":"A","clientLabelId":"deep-1","meta":${objects(100_000)}}`;
    expect(payload.length).toBeLessThan(1e6);
    const r = await emitRaw(c, 'label:submit', payload);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'invalid-input', message: 'label:submit payload: meta is nested deeper than 64 levels' }) });

    // The same socket and lease still work, and the server still serves.
    const done = await ok(c, 'label:submit', { leaseId: task.leaseId, value: 'A', clientLabelId: 'deep-2', meta: { raw: 'A' } });
    expect(done).toBeTruthy();
    expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.labels).toEqual({ human: 0, llm: 1 });
    c.disconnect();
  });
});

describe('deeply nested REST JSON bodies', () => {
  test('project, settings, invite, judge and adjudication bodies nested 100,000 levels: 400 naming the field and the limit', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(1));
    const bodies: Array<[string, string, string, string]> = [
      ['POST', '/api/projects', `{"name":"deep","type":"pairwise","options":${arrays(100_000)}}`, 'options'],
      ['PATCH', `/api/projects/${pid}`, `{"instructions":${objects(100_000)}}`, 'instructions'],
      ['POST', `/api/projects/${pid}/invites`, `{"label":${arrays(20_000)}}`, 'label'],
      ['POST', `/api/projects/${pid}/judges`, `{"model":"m","params":${objects(10_000)}}`, 'params'],
      ['PUT', `/api/projects/${pid}/items/q1/adjudication`, `{"label":${arrays(20_000)}}`, 'label'],
    ];
    for (const [method, route, body, field] of bodies) {
      const r = await s.api(method, route, body, { type: 'application/json' });
      expect({ route, status: r.status, code: r.body.error?.code }).toEqual({ route, status: 400, code: 'invalid-input' });
      expect(r.body.error.message).toMatch(LIMIT);
      expect(r.body.error.details).toEqual([{ field, message: 'nested deeper than 64 levels' }]);
    }
    expect((await s.api('GET', '/api/projects')).body.projects.map((p: { name: string }) => p.name)).not.toContain('deep');
    // A body within the limit still works.
    expect((await s.api('PATCH', `/api/projects/${pid}`, { instructions: 'Pick the kinder answer.' })).status).toBe(200);
    await stillServes(pid);
  });
});

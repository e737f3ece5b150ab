import { JudgeWorker, type WorkerOptions } from '../../judge-worker/worker';
import { closeServerAndModel, startServerAndModel } from '../helpers/judges';
import { verdict, type MockOpenAI, type MockRequest, type MockReply } from '../helpers/mock-openai';
import { makeProject, pairwiseItems, type TestServer } from '../helpers/server';

let s: TestServer;
let mock: MockOpenAI;
/** Backoff waits the worker asked for (recorded, not slept: no test waits on a clock). */
let waits: number[];
beforeEach(async () => {
  ({ server: s, mock } = await startServerAndModel());
  waits = [];
});
afterEach(() => closeServerAndModel(s, mock));

const N = 6;

async function setup(judge: Record<string, unknown> = {}): Promise<{ pid: number; id: number; token: string }> {
  const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(N));
  const r = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm', concurrency: 3, ...judge });
  return { pid, ...r.body };
}

const run = (token: string, o: Partial<WorkerOptions> = {}) =>
  new JudgeWorker({
    server: s.url,
    token,
    baseUrl: mock.url,
    maxTries: 3,
    timeoutMs: 5_000,
    statusEveryMs: 50,
    sleep: async (ms) => void waits.push(ms),
    ...o,
  }).run();

const labels = (pid: number) =>
  s.db.prepare('SELECT l.value, l.meta, l.slot, i.external_id AS item FROM labels l JOIN items i ON i.id = l.item_id WHERE l.project_id = ?').all(pid) as Array<{
    value: string | null;
    meta: string;
    slot: string;
    item: string;
  }>;

/** Every task ended labelled once or back in the pool: no live judge lease, no item labelled twice in a slot. */
async function settled(pid: number): Promise<void> {
  const p = await s.api('GET', `/api/projects/${pid}/progress`);
  expect(p.body.leases.llm).toBe(0);
  const keys = labels(pid).map((l) => `${l.item}|${l.slot}`);
  expect(new Set(keys).size).toBe(keys.length);
}

/** Fails each task's first request with `reply`, then answers. */
const firstTryFails = (reply: (req: MockRequest) => MockReply) => {
  const seen = new Set<string>();
  return (req: MockRequest): MockReply => {
    const key = req.body.messages.at(-1)!.content;
    if (seen.has(key)) return verdict(req, 'A');
    seen.add(key);
    return reply(req);
  };
};

describe('judge worker: endpoint faults', () => {
  test('429s are retried after the wait the endpoint asks for (retry-after-ms, else Retry-After), and every item is labelled', async () => {
    const { pid, token } = await setup();
    mock.rule = firstTryFails((req): MockReply =>
      req.n % 2 === 0 ? { status: 429, headers: { 'retry-after-ms': '1234', 'retry-after': '9' }, error: { message: 'Rate limit', type: 'rate_limit_error' } } : { status: 429, headers: { 'retry-after': '2' } },
    );
    const summary = await run(token);
    expect(summary).toMatchObject({ state: 'done', labels: N, invalid: 0, retries: N, errors: 0 });
    expect(waits).toHaveLength(N);
    for (const w of waits) expect((w >= 1234 && w < 1334) || (w >= 2000 && w < 2100)).toBe(true);
    expect(mock.requests).toHaveLength(2 * N);
    await settled(pid);
  });

  test('timeouts, dropped connections and 500s are retried with growing backoff', async () => {
    const { pid, token } = await setup();
    let k = 0;
    mock.rule = firstTryFails(() => [{ hang: true } as const, { drop: true } as const, { status: 503 }][k++ % 3]!);
    const summary = await run(token, { timeoutMs: 300 });
    expect(summary).toMatchObject({ state: 'done', labels: N, retries: N, errors: 0 });
    expect(waits.every((w) => w >= 250 && w <= 500)).toBe(true); // the first backoff: 500 ms with equal jitter
    await settled(pid);
  });

  test('an endpoint that keeps failing: tasks are released after their tries, the error is recorded, and a later run labels everything once', async () => {
    const { pid, id, token } = await setup();
    mock.rule = () => ({ status: 500, error: { message: 'upstream exploded' } });
    const summary = await run(token);
    expect(summary.state).toBe('error');
    expect(summary.labels).toBe(0);
    expect(summary.errors).toBeGreaterThan(0);
    expect(summary.retries).toBe(summary.errors * 2);
    expect(mock.requests).toHaveLength(summary.errors * 3);
    expect(summary.last_error).toMatch(/Gave up after 3 tries: 500/);
    expect(labels(pid)).toHaveLength(0);
    await settled(pid);
    const listed = await s.api('GET', `/api/projects/${pid}/judges`);
    expect(listed.body.judges.find((j: { id: number }) => j.id === id)).toMatchObject({ state: 'error', last_error: expect.stringMatching(/500/) });

    mock.rule = (req) => verdict(req, 'B');
    expect(await run(token)).toMatchObject({ state: 'done', labels: N });
    expect(labels(pid)).toHaveLength(N);
    await settled(pid);
  });

  test('a bad API key ends the run with the reason and releases the task', async () => {
    const { pid, token } = await setup({ concurrency: 1 });
    mock.rule = () => ({ status: 401, error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    const summary = await run(token);
    expect(summary).toMatchObject({ state: 'error', labels: 0, retries: 0 });
    expect(summary.last_error).toMatch(/401.*Incorrect API key/);
    expect(mock.requests).toHaveLength(1);
    await settled(pid);
  });
});

describe('judge worker: outputs it cannot read', () => {
  test('malformed output is stored as an invalid label with its raw text, and the report counts it', async () => {
    const { pid, token } = await setup({ structured: false });
    mock.rule = (req) => (req.n % 2 === 0 ? { content: 'Both answers have merit; hard to say.' } : verdict(req, 'A'));
    const summary = await run(token);
    expect(summary).toMatchObject({ state: 'done', labels: N, invalid: N / 2 });
    const invalid = labels(pid).filter((l) => l.value === null);
    expect(invalid).toHaveLength(N / 2);
    expect(JSON.parse(invalid[0]!.meta)).toMatchObject({ raw: 'Both answers have merit; hard to say.', structured: false, invalid: expect.any(String) });
    const report = await s.api('GET', `/api/projects/${pid}/report`);
    expect(report.body.judges[0].invalid).toBe(N / 2);
    await settled(pid);
  });

  test('off-schema JSON is invalid; with repair on, one more request fixes it', async () => {
    const bad = { content: JSON.stringify({ rationale: 'hmm', verdict: 'D' }) };
    const first = await setup();
    mock.rule = (req) => (req.body.messages.at(-1)!.content.startsWith('Your answer could not be read') ? verdict(req, 'B') : bad);
    expect(await run(first.token)).toMatchObject({ labels: N, invalid: N });
    expect(mock.requests).toHaveLength(N);

    const second = await setup({ repair: true, name: 'repairing' });
    mock.requests.length = 0;
    expect(await run(second.token)).toMatchObject({ labels: N, invalid: 0 });
    expect(mock.requests).toHaveLength(2 * N);
    const meta = JSON.parse(labels(second.pid)[0]!.meta);
    expect(meta).toMatchObject({ repaired: true, raw: bad.content });
    await settled(second.pid);
  });

  test('an endpoint that refuses response_format: the judge goes on in the text format', async () => {
    const { pid, token } = await setup();
    mock.rule = (req) =>
      req.body.response_format
        ? { status: 400, error: { message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", type: 'invalid_request_error', param: 'response_format', code: null } }
        : verdict(req, 'A');
    const summary = await run(token);
    expect(summary).toMatchObject({ state: 'done', labels: N, invalid: 0, retries: 0, structured_fallback: true });
    const refused = mock.requests.filter((r) => r.body.response_format).length;
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(refused).toBeLessThanOrEqual(3); // at most one per lane already in flight
    expect(JSON.parse(labels(pid)[0]!.meta)).toMatchObject({ structured: false, structured_refused: true });
  });
});

describe('judge worker: losing the server', () => {
  test('a label whose ack was lost with the connection is sent again after the reconnect and stored once', async () => {
    const { pid, token } = await setup();
    let dropped = 0;
    s.app.io.on('connection', (socket) => {
      socket.use((packet, next) => {
        if (packet[0] === 'label:submit' && dropped < 2) {
          dropped++;
          const ack = packet[packet.length - 1] as (r: unknown) => void;
          // The label is committed, but its ack is lost: the connection drops instead.
          packet[packet.length - 1] = () => {
            void ack;
            socket.conn.close();
          };
        }
        next();
      });
    });
    const summary = await run(token, { ackTimeoutMs: 5_000 });
    expect(dropped).toBe(2);
    expect(summary).toMatchObject({ state: 'done', labels: N, errors: 0 });
    expect(summary.resubmits).toBeGreaterThanOrEqual(2);
    expect(labels(pid)).toHaveLength(N);
    await settled(pid);
  });
});

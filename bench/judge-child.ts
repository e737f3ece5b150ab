/**
 * The judge benchmark's child processes (forked by ./judge.ts), so the server, the endpoint and the worker do
 * not share an event loop and the worker's CPU can be measured on its own:
 * - `endpoint <latencyMs>`: the local OpenAI-compatible endpoint (test/helpers/mock-openai.ts);
 * - `worker`: one judge worker, told where to connect over IPC, reporting its summary and CPU time.
 */
import { JudgeWorker } from '../judge-worker/worker';
import { startMockOpenAI } from '../test/helpers/mock-openai';

export type ToChild = { server: string; token: string; baseUrl: string };
export type FromChild = { url: string } | { summary: { labels: number; invalid: number; errors: number; wall_ms: number; judging_ms: number }; cpuMs: number } | { error: string };

const send = (m: FromChild) => process.send!(m);
process.on('disconnect', () => process.exit(0));

async function main(): Promise<void> {
  const [role, latency] = process.argv.slice(2);
  if (role === 'endpoint') {
    const content = JSON.stringify({ rationale: 'Assistant A is more helpful.', verdict: 'A' });
    const mock = await startMockOpenAI(() => ({ content }), { latencyMs: Number(latency ?? 0) });
    // Keep no request log: a long run would hold every request in memory.
    Object.defineProperty(mock, 'requests', { value: { push: () => 0 } });
    send({ url: mock.url });
    return;
  }
  process.once('message', (m: ToChild) => {
    const cpu = process.cpuUsage();
    new JudgeWorker({ server: m.server, token: m.token, baseUrl: m.baseUrl, maxTries: 2 })
      .run()
      .then((summary) => {
        const used = process.cpuUsage(cpu);
        send({ summary, cpuMs: (used.user + used.system) / 1000 });
      })
      .catch((e: unknown) => send({ error: e instanceof Error ? e.message : String(e) }));
  });
}

void main();

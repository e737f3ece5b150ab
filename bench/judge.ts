/**
 * The judge benchmark (issue 4): the whole path server → worker → endpoint → worker → server → SQLite.
 * The server runs in this process (as `serve` builds it); a local OpenAI-compatible endpoint and the judge
 * worker each run in a forked process (./judge-child.ts). Phase 1: an endpoint that answers at once, judgments
 * per second and the worker's CPU per judgment. Phase 2: an endpoint that answers in 200 ms, throughput at
 * concurrency 8, 64 and 256 against the ideal (concurrency / latency).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineBenchmark } from './lib/benchmark';
import { forkTypescript, LOAD_NODE_FLAGS } from './lib/child';
import { resultHead, writeResult } from './lib/results';
import { round, table } from './lib/stats';
import type { FromChild, ToChild } from './judge-child';
import { startBenchServer } from './lib/server';

const TARGETS = { instantPerSecond: 1000, idealShare: 0.9 };

const child = (args: string[]): ChildProcess => forkTypescript(path.join(__dirname, 'judge-child.ts'), args, LOAD_NODE_FLAGS);

const next = (c: ChildProcess) =>
  new Promise<FromChild>((resolve, reject) => {
    c.once('message', (m: FromChild) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    c.once('exit', (code) => reject(new Error(`child exited (${code})`)));
  });

function itemsJsonl(n: number): string {
  const filler = 'The answer explains its reasoning in a few sentences, as a model would, with enough text to matter. ';
  const lines: string[] = [];
  for (let i = 1; i <= n; i++)
    lines.push(JSON.stringify({ id: `q${i}`, question: `Question ${i}: which answer is more helpful?`, answer_a: `A${i}. ${filler}${filler}`, answer_b: `B${i}. ${filler}` }));
  return lines.join('\n') + '\n';
}

interface PhaseResult {
  latencyMs: number;
  concurrency: number;
  judgments: number;
  seconds: number;
  perSecond: number;
  ideal: number | null;
  shareOfIdeal: number | null;
  workerCpuUsPerJudgment: number;
  serverCpuUsPerJudgment: number;
  invalid: number;
  errors: number;
}

export const judge = defineBenchmark({
  summary: 'LLM judge workers against a local OpenAI-compatible endpoint: instant (judgments/s, CPU) and 200 ms latency (vs ideal) (issue 4)',
  options: {
    instantItems: { default: 20_000, help: 'items judged against the instant endpoint' },
    instantConcurrency: { default: 64, help: 'requests in flight against the instant endpoint' },
    latency: { default: 200, help: 'endpoint latency in ms for the second phase' },
    seconds: { default: 20, help: 'ideal duration of each latency run (sets its item count); long enough that start-up and wind-down weigh little' },
    keep: { default: 0, help: '1 keeps the temporary database folder' },
  },
  async run(o, { command }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-judge-'));
    const log = (s: string) => console.log(`[judge] ${s}`);
    const server = await startBenchServer(path.join(dir, 'concord.db'));
    const { app, db, url, api } = server;
    const children: ChildProcess[] = [];

    async function phase(latencyMs: number, concurrency: number, items: number): Promise<PhaseResult> {
      const endpoint = child(['endpoint', String(latencyMs)]);
      children.push(endpoint);
      const { url: baseUrl } = (await next(endpoint)) as { url: string };
      const project = await api<{ id: number }>('POST', '/api/projects', JSON.stringify({ name: `judge bench ${latencyMs} ms × ${concurrency}`, type: 'pairwise', redundancy: 1 }));
      await api('POST', `/api/projects/${project.id}/items`, itemsJsonl(items), 'application/x-ndjson');
      const j = await api<{ token: string }>('POST', `/api/projects/${project.id}/judges`, JSON.stringify({ model: 'bench-model', base_url: baseUrl, concurrency }));
      const worker = child(['worker']);
      children.push(worker);
      const serverCpu = process.cpuUsage();
      worker.send({ server: url, token: j.token, baseUrl } satisfies ToChild);
      const r = (await next(worker)) as Extract<FromChild, { summary: unknown }>;
      const server = process.cpuUsage(serverCpu);
      worker.kill();
      endpoint.kill();
      // From the first task:next to the last ack: the judging itself, without process start-up and connecting.
      const seconds = r.summary.judging_ms / 1000;
      const perSecond = r.summary.labels / seconds;
      const ideal = latencyMs > 0 ? concurrency / (latencyMs / 1000) : null;
      const res: PhaseResult = {
        latencyMs,
        concurrency,
        judgments: r.summary.labels,
        seconds: round(seconds, 2)!,
        perSecond: round(perSecond, 0)!,
        ideal,
        shareOfIdeal: ideal ? round(perSecond / ideal, 3) : null,
        workerCpuUsPerJudgment: round((r.cpuMs * 1000) / r.summary.labels, 0)!,
        serverCpuUsPerJudgment: round((server.user + server.system) / r.summary.labels, 0)!,
        invalid: r.summary.invalid,
        errors: r.summary.errors,
      };
      log(`${latencyMs} ms × ${concurrency}: ${res.judgments} judgments in ${res.seconds} s = ${res.perSecond}/s${ideal ? ` (${Math.round(100 * res.shareOfIdeal!)}% of ideal ${ideal}/s)` : ''}; worker ${res.workerCpuUsPerJudgment} µs CPU/judgment, server ${res.serverCpuUsPerJudgment} µs`);
      return res;
    }

    try {
      log(`server on ${url}; warm-up`);
      await phase(0, o.instantConcurrency, 2000);
      const results: PhaseResult[] = [await phase(0, o.instantConcurrency, o.instantItems)];
      for (const c of [8, 64, 256]) results.push(await phase(o.latency, c, Math.ceil((c / (o.latency / 1000)) * o.seconds)));
      const instant = results[0]!;
      const pass = instant.perSecond >= TARGETS.instantPerSecond && results.slice(1).every((r) => (r.shareOfIdeal ?? 0) >= TARGETS.idealShare);
      console.log(
        '\n' +
          table(
            ['endpoint', 'concurrency', 'judgments', 'seconds', 'judgments/s', 'ideal/s', '% of ideal', 'worker CPU/judgment', 'server CPU/judgment'],
            results.map((r) => [
              r.latencyMs === 0 ? 'instant' : `${r.latencyMs} ms`,
              String(r.concurrency),
              String(r.judgments),
              String(r.seconds),
              String(r.perSecond),
              r.ideal === null ? '–' : String(r.ideal),
              r.shareOfIdeal === null ? '–' : `${(100 * r.shareOfIdeal).toFixed(1)}%`,
              `${r.workerCpuUsPerJudgment} µs`,
              `${r.serverCpuUsPerJudgment} µs`,
            ]),
          ) +
          `\n\nTargets: ≥ ${TARGETS.instantPerSecond} judgments/s instant; ≥ ${100 * TARGETS.idealShare}% of ideal at ${o.latency} ms: ${pass ? 'met' : 'NOT met'}\n`,
      );
      writeResult('judge', { ...resultHead('judge', command, o), targets: TARGETS, pass, results });
      return pass ? 0 : 1;
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill();
      await server.close();
      if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

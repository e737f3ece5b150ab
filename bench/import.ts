/**
 * `npm run bench -- import`: imports the same items as JSONL, as a JSON array and as CSV through the real
 * REST route (the server in this process, on a new SQLite file each run) and prints the wall time, the CPU
 * time of the process and the growth of its RSS during the request.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { defineBenchmark } from './lib/benchmark';
import { collectGarbage, sleep } from './lib/machine';
import { resultHead, writeResult } from './lib/results';
import { round, table } from './lib/stats';
import { startBenchServer } from './lib/server';

const FILLER = 'The answer explains its reasoning in a few sentences, as a model would, with enough text to matter. ';

function records(n: number): Array<Record<string, string>> {
  return Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    return {
      id: `q${i}`,
      question: `Question ${i}: which of these two answers is more helpful and correct?`,
      answer_a: `Answer A to ${i}. ${FILLER}${FILLER}`,
      answer_b: `Answer B to ${i}. ${FILLER}${FILLER}`,
    };
  });
}

const FORMATS = {
  jsonl: { type: 'application/x-ndjson', body: (r: Array<Record<string, string>>) => r.map((x) => JSON.stringify(x)).join('\n') + '\n' },
  json: { type: 'application/json', body: (r: Array<Record<string, string>>) => JSON.stringify(r) },
  csv: {
    type: 'text/csv',
    body: (r: Array<Record<string, string>>) =>
      'id,question,answer_a,answer_b\n' + r.map((x) => [x.id, x.question, x.answer_a, x.answer_b].map((c) => `"${c!.replace(/"/g, '""')}"`).join(',')).join('\n') + '\n',
  },
} as const;

interface Run {
  seconds: number;
  cpuSeconds: number;
  rssGrowthMiB: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;

export const importBench = defineBenchmark({
  summary: 'imports items as JSONL, a JSON array and CSV through POST /api/projects/:id/items (time, CPU, RSS growth)',
  options: {
    items: { default: 100_000, help: 'items in each file' },
    runs: { default: 3, help: 'runs per format (the median is reported)' },
  },
  async run(o, { command }) {
    const items = records(o.items);
    const rows: string[][] = [];
    const result: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(FORMATS)) {
      const body = f.body(items);
      const runs: Run[] = [];
      for (let k = 0; k < o.runs; k++) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-import-'));
        const server = await startBenchServer(path.join(dir, 'concord.db'));
        try {
          const project = await server.api<{ id: number }>('POST', '/api/projects', JSON.stringify({ name: 'Import benchmark', type: 'pairwise' }));
          collectGarbage();
          await sleep(200);
          const rss0 = process.memoryUsage().rss;
          let peak = rss0;
          const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          const r = await server.api<{ imported: number }>('POST', `/api/projects/${project.id}/items`, body, f.type).catch((e: Error) => {
            throw new Error(`${name} import, run ${k + 1}: ${e.message}${e.cause ? ` (${String(e.cause)})` : ''}`);
          });
          const seconds = (performance.now() - t0) / 1000;
          const cpu = process.cpuUsage(cpu0);
          clearInterval(sampler);
          peak = Math.max(peak, process.memoryUsage().rss);
          if (r.imported !== o.items) throw new Error(`${name}: imported ${r.imported} of ${o.items}`);
          runs.push({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssGrowthMiB: (peak - rss0) / 2 ** 20 });
        } finally {
          await server.close();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
      const summary = {
        mib: round(Buffer.byteLength(body) / 2 ** 20, 1),
        seconds: round(median(runs.map((r) => r.seconds)), 2),
        cpuSeconds: round(median(runs.map((r) => r.cpuSeconds)), 2),
        rssGrowthMiB: round(median(runs.map((r) => r.rssGrowthMiB)), 0),
        runs,
      };
      result[name] = summary;
      rows.push([name, String(summary.mib), String(summary.seconds), String(summary.cpuSeconds), String(summary.rssGrowthMiB)]);
    }
    const head = resultHead('import', command, o);
    const m = head.machine;
    console.log(`${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}; ${o.items} items, median of ${o.runs} runs\n`);
    console.log(table(['format', 'MiB', 'wall s', 'CPU s', 'RSS growth MiB'], rows));
    writeResult('import', { ...head, result });
    return 0;
  },
});

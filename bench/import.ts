/**
 * `npm run bench -- import`: imports the same pairwise items as JSONL, as a JSON array and as CSV into a real
 * `concord serve` process (a new one on a new SQLite file each run), through the REST route (the file streamed from
 * disk) and through `concord import` end to end (the CLI process started, the file sent, the answer printed). It
 * prints the wall time, the server's CPU time and the server's peak RSS (VmHWM: the server process is new each run,
 * so its peak is the import's). The files are written to a temporary folder first, a record at a time: at 1M items
 * the JSONL is 550 MiB, over the longest string V8 makes, and over the default import limit (the server gets
 * CONCORD_MAX_IMPORT_BYTES to fit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { list, type Options } from './lib/args';
import { defineBenchmark } from './lib/benchmark';
import { plainPair } from './lib/items';
import { resultHead, writeResult } from './lib/results';
import { round, table } from './lib/stats';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin/concord.js');
const TOKEN = 'import-bench-admin-token-0123456789abcdef';
const FORMATS = { jsonl: 'application/x-ndjson', json: 'application/json', csv: 'text/csv' } as const;
type Format = keyof typeof FORMATS;
const csvCell = (c: string) => `"${c.replace(/"/g, '""')}"`;

/** Writes `n` plain pairs (a question and two answers of ~250 characters) as `format`, 10,000 records a write. */
function writeItems(file: string, n: number, format: Format): number {
  const fd = fs.openSync(file, 'w');
  const head = format === 'csv' ? 'id,question,answer_a,answer_b\n' : format === 'json' ? '[' : '';
  let part: string[] = [head];
  for (let i = 1; i <= n; i++) {
    const x = plainPair(i);
    if (format === 'csv') part.push(`${[x.id, x.question, x.answer_a, x.answer_b].map((c) => csvCell(c!)).join(',')}\n`);
    else part.push(`${format === 'json' && i > 1 ? ',' : ''}${JSON.stringify(x)}${format === 'jsonl' ? '\n' : ''}`);
    if (part.length === 10_000) {
      fs.writeSync(fd, part.join(''));
      part = [];
    }
  }
  fs.writeSync(fd, part.join('') + (format === 'json' ? ']' : ''));
  fs.closeSync(fd);
  return fs.statSync(file).size;
}

interface Server {
  child: ChildProcess;
  url: string;
}

/** `concord serve` on a new database in `dir`, on a free port; resolves once it says it is running. */
function serve(dir: string, maxImportBytes: number): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CONCORD_DB: path.join(dir, 'concord.db'), CONCORD_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn', CONCORD_MAX_IMPORT_BYTES: String(maxImportBytes) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running on http:\/\/\S+:(\d+)/.exec(out);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`concord serve exited with ${code}: ${out}`)));
  });
}

async function stop({ child }: Server): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** The server's CPU seconds so far and its peak RSS in MiB (from /proc). */
function usage(pid: number): { cpu: number; peakMiB: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu: ticks / 100, peakMiB: Number(hwm![1]) / 1024 };
}

async function api<T>(url: string, method: string, route: string, body?: RequestInit["body"], headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url + route, { method, body, headers: { authorization: `Bearer ${TOKEN}`, ...headers }, duplex: 'half' } as RequestInit);
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Sends the file through REST (streamed from disk) or through `concord import`; resolves with the items imported. */
async function importOnce(via: 'rest' | 'cli', url: string, project: number, file: string, format: Format): Promise<number> {
  if (via === 'rest') {
    const body = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
    const headers = { 'content-type': FORMATS[format], 'content-length': String(fs.statSync(file).size) };
    return (await api<{ imported: number }>(url, 'POST', `/api/projects/${project}/items`, body as unknown as RequestInit["body"], headers)).imported;
  }
  const child = spawn(process.execPath, [BIN, 'import', file, '--project', String(project), '--json'], { env: { ...process.env, CONCORD_SERVER: url, CONCORD_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`concord import exited with ${code}: ${out.slice(0, 500)}`);
  return (JSON.parse(out) as { imported: number }).imported;
}

interface Run {
  seconds: number;
  serverCpuSeconds: number;
  serverPeakRssMiB: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;

const options = {
  items: { default: 100_000, help: 'items in each file' },
  runs: { default: 3, help: 'runs per format and path (the median is reported)' },
  formats: list(['jsonl', 'json', 'csv'], ['jsonl', 'json', 'csv'], 'the file formats'),
  via: list(['rest', 'cli'], ['rest', 'cli'], 'rest: POST …/items with the file streamed; cli: concord import end to end'),
};

async function measure(o: Options<typeof options>, tmp: string, via: 'rest' | 'cli', format: Format, file: string, bytes: number): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
  const server = await serve(dir, Math.max(512 * 2 ** 20, 2 * bytes));
  try {
    const project = await api<{ id: number }>(server.url, 'POST', '/api/projects', JSON.stringify({ name: 'Import benchmark', type: 'pairwise' }), { 'content-type': 'application/json' });
    const before = usage(server.child.pid!);
    const t0 = performance.now();
    const imported = await importOnce(via, server.url, project.id, file, format);
    const seconds = (performance.now() - t0) / 1000;
    const after = usage(server.child.pid!);
    if (imported !== o.items) throw new Error(`${via} ${format}: imported ${imported} of ${o.items}`);
    return { seconds, serverCpuSeconds: after.cpu - before.cpu, serverPeakRssMiB: after.peakMiB };
  } finally {
    await stop(server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const importBench = defineBenchmark({
  summary: 'imports pairwise items as JSONL, a JSON array and CSV into a concord serve process, through REST and through concord import (time, server CPU, server peak RSS)',
  options,
  async run(o, { command }) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-import-'));
    const rows: string[][] = [];
    const result: Record<string, unknown> = {};
    try {
      for (const format of o.formats as Format[]) {
        const file = path.join(tmp, `items.${format}`);
        const bytes = writeItems(file, o.items, format);
        for (const via of o.via) {
          const runs: Run[] = [];
          for (let k = 0; k < o.runs; k++) runs.push(await measure(o, tmp, via, format, file, bytes));
          const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
          const summary = {
            mib: round(bytes / 2 ** 20, 1),
            seconds: round(median(runs.map((r) => r.seconds)), 2),
            serverCpuSeconds: round(median(runs.map((r) => r.serverCpuSeconds)), 2),
            serverPeakRssMiB: round(median(runs.map((r) => r.serverPeakRssMiB)), 0),
            loadAverage: load,
            runs,
          };
          result[`${via}:${format}`] = summary;
          rows.push([via, format, String(summary.mib), String(summary.seconds), String(summary.serverCpuSeconds), String(summary.serverPeakRssMiB), load]);
        }
        fs.rmSync(file, { force: true });
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    const head = resultHead('import', command, o);
    const m = head.machine;
    console.log(`${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}; ${o.items} items, median of ${o.runs} runs\n`);
    console.log(table(['via', 'format', 'MiB', 'wall s', 'server CPU s', 'server peak RSS MiB', 'load average after'], rows));
    writeResult('import', { ...head, result });
    return 0;
  },
});

/**
 * The fleet benchmark's judge workers: each one `concord judge --token … --base-url … --concurrency …`, the real
 * command line in a process of its own, as an operator starts it on a machine next to a model server. Stopped
 * with SIGINT (finish the tasks in flight), each prints its summary as JSON (`--json`), which is read back here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { WorkerSummary } from '../../judge-worker/summary';

const CONCORD_BIN = path.resolve(__dirname, '../../bin/concord.js');

export interface FleetWorker {
  process: ChildProcess;
  /** Resolves with the summary the command printed, or null if it printed none (killed, or failed to start). */
  summary: Promise<WorkerSummary | null>;
  /** Resolves at the worker's first progress line (its first label): it is connected and judging. */
  judging: Promise<void>;
  /** Stderr lines kept for a report of why a worker failed (its progress lines are not kept). */
  errors: string[];
}

export function startWorker(o: { server: string; token: string; baseUrl: string; lanes: number }): FleetWorker {
  const args = [CONCORD_BIN, 'judge', '--server', o.server, '--token', o.token, '--base-url', o.baseUrl, '--concurrency', String(o.lanes), '--max-tries', '2', '--json'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CONCORD_ADMIN_TOKEN: '' } });
  const errors: string[] = [];
  let stdout = '';
  let judged: () => void = () => undefined;
  const judging = new Promise<void>((resolve) => (judged = resolve));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    if (text.includes('judged ')) judged();
    for (const line of text.split('\n')) if (/error|fail|cannot|refused/i.test(line) && errors.length < 5) errors.push(line.trim());
  });
  const summary = new Promise<WorkerSummary | null>((resolve) => {
    child.once('close', () => {
      try {
        resolve(JSON.parse(stdout) as WorkerSummary);
      } catch {
        resolve(null);
      }
    });
  });
  return { process: child, summary, judging, errors };
}

/** Stops every worker as Ctrl-C would and waits for their summaries; a worker still running after `graceMs` is killed. */
export async function stopWorkers(workers: FleetWorker[], graceMs: number): Promise<Array<WorkerSummary | null>> {
  for (const w of workers) if (w.process.exitCode === null) w.process.kill('SIGINT');
  const timer = setTimeout(() => {
    for (const w of workers) if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill('SIGKILL');
  }, graceMs);
  const summaries = await Promise.all(workers.map((w) => w.summary));
  clearTimeout(timer);
  return summaries;
}

/**
 * The export benchmark's server: the real server as `serve` builds it (bench/lib/server.ts) in a process of its own,
 * so its event loop and its memory are measured apart from the client reading the export. It watches its own event
 * loop as bench/report.ts does (`monitorEventLoopDelay`, 10 ms resolution: the longest delay is the longest stall)
 * and answers the parent over IPC:
 * - `{ type: 'reset' }`: a full garbage collection, then (50 ms later, so the collection is not counted) the stall
 *   histogram starts again; answers with the RSS;
 * - `{ type: 'read' }`: the longest stall and its p99 since the reset, the longest garbage collection pause and
 *   their sum, the most `error` + `close` listeners an HTTP response held (the child's own `drain` listener
 *   aside), the MaxListenersExceededWarnings emitted (issue 14: a long export piled them up) and how many times
 *   responses drained (how often an export waited for its client), the process's CPU seconds (all its threads),
 *   the RSS and heap now.
 * Peak RSS is read by the parent from /proc (VmHWM), which this process's own event loop cannot delay.
 */
import type { ServerResponse } from 'node:http';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { collectGarbage } from '../lib/machine';
import { startBenchServer } from '../lib/server';

export type ToServer = { type: 'reset' } | { type: 'read' } | { type: 'close' };
export type FromServer =
  | { type: 'ready'; url: string; token: string }
  | { type: 'reset'; rss: number }
  | { type: 'read'; stallMs: number; p99Ms: number; gcMaxMs: number; gcMs: number; maxResponseListeners: number; listenerWarnings: number; drains: number; cpuSeconds: number; rss: number; heapUsed: number }
  | { type: 'error'; error: string };

const send = (m: FromServer) => process.send!(m);
const cpuSince = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  const dbFile = process.argv[2];
  if (!dbFile) throw new Error('server-child: the database file is the first argument');
  const server = await startBenchServer(dbFile);
  const stall = monitorEventLoopDelay({ resolution: 10 });
  stall.enable();
  // Garbage collection pauses (each a stall of its own, or part of one): the longest and the sum since the reset.
  let gc = { max: 0, sum: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc = { max: Math.max(gc.max, e.duration), sum: gc.sum + e.duration };
  }).observe({ entryTypes: ['gc'] });
  // Responses' listeners, sampled while they are open and once more when they end.
  const open = new Set<ServerResponse>();
  let listeners = { max: 0, warnings: 0, drains: 0 };
  // The main thread's CPU time (and its worker threads'): a figure a busy machine distorts less than wall time.
  let cpu = process.cpuUsage();
  const count = (res: ServerResponse) => (listeners.max = Math.max(listeners.max, res.listenerCount('error') + res.listenerCount('close')));
  server.app.http.on('request', (_req: unknown, res: ServerResponse) => {
    open.add(res);
    res.on('drain', () => listeners.drains++);
    res.once('finish', () => (count(res), open.delete(res)));
    res.once('close', () => open.delete(res));
  });
  setInterval(() => open.forEach(count), 50).unref();
  process.on('warning', (w) => {
    if (w.name === 'MaxListenersExceededWarning') listeners.warnings++;
  });
  // Says when a long stall happened (how far into the export): a stall at the start, the end or throughout reads differently.
  let since = performance.now();
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last > 1000) console.error(`[server] event loop blocked ${(now - last).toFixed(0)} ms, ending ${((now - since) / 1000).toFixed(1)} s after the reset`);
    last = now;
  }, 100).unref();
  process.on('message', (m: ToServer) => {
    if (m.type === 'reset') {
      collectGarbage();
      // The histogram's next sample would count the collection itself (the delay since the timer's last turn):
      // start again once the timer has turned a few times.
      setTimeout(() => {
        stall.reset();
        gc = { max: 0, sum: 0 };
        listeners = { max: 0, warnings: 0, drains: 0 };
        cpu = process.cpuUsage();
        since = performance.now();
        send({ type: 'reset', rss: process.memoryUsage().rss });
      }, 50);
    } else if (m.type === 'read') {
      const mem = process.memoryUsage();
      send({ type: 'read', stallMs: stall.max / 1e6, p99Ms: stall.percentile(99) / 1e6, gcMaxMs: gc.max, gcMs: gc.sum, maxResponseListeners: listeners.max, listenerWarnings: listeners.warnings, drains: listeners.drains, cpuSeconds: cpuSince(cpu), rss: mem.rss, heapUsed: mem.heapUsed });
    } else {
      stall.disable();
      void server.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: server.url, token: server.app.adminToken });
}

main().catch((e: unknown) => {
  send({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
});

/**
 * The fleet benchmark's server: the real server as `serve` builds it (bench/lib/server.ts) in a process of its own,
 * so its event-loop delay and CPU are its own and not the judge workers' or the humans'. Over IPC:
 * - `{ type: 'reset' }` starts the measured window: command times, committed labels, event-loop delay and CPU
 *   count from here;
 * - `{ type: 'read' }` answers with what the window saw (see {@link WindowReading});
 * - `{ type: 'close' }` closes the server and exits.
 * Given a file as its second argument, it profiles its CPU over the window (the inspector's sampling profiler, as
 * `node --cpu-prof` runs it, but without the start-up and the import) and writes the .cpuprofile there on `read`.
 *
 * Command times are split by who sent them, humans or judges: the server's own hook (`onCommand`, what
 * bench/assign reads) does not say whose command it timed, so a socket middleware here wraps each command's ack.
 * It times from socket.io's dispatch of the packet to the ack, the span `onCommand` times plus the middleware
 * chain (microseconds); the `onCommand` figures for all clients together are kept beside them.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Ack } from '../../shared/protocol';
import { startBenchServer } from '../lib/server';
import { EventSamples, type Summary } from '../lib/stats';

export type ToServer = { type: 'reset' } | { type: 'read' } | { type: 'close' };

export interface WindowReading {
  seconds: number;
  /** Labels whose `label:submit` was acknowledged ok (ack after commit: committed), by who sent them. */
  committed: { human: number; llm: number };
  /** Server-side command times in ms, by who sent them, then for all clients as the server's hook sees them. */
  commands: { human: Record<string, Summary>; llm: Record<string, Summary>; all: Record<string, Summary> };
  /** Event-loop delay in ms (monitorEventLoopDelay at 1 ms resolution, so the p50 reads as the timer's own delay). */
  loop: { p50: number; p99: number; max: number };
  /** Server process CPU over the window, as a share of one core. */
  cpuCores: number;
  rssMiB: number;
}

export type FromServer = { type: 'ready'; url: string; token: string } | { type: 'read'; reading: WindowReading } | { type: 'error'; error: string };

const send = (m: FromServer) => process.send!(m);
const MEASURED = new Set(['task:next', 'label:submit', 'session:get']);

interface Window {
  started: number;
  cpu: NodeJS.CpuUsage;
  committed: { human: number; llm: number };
  byKind: { human: EventSamples; llm: EventSamples };
  all: EventSamples;
}

const newWindow = (): Window => ({ started: performance.now(), cpu: process.cpuUsage(), committed: { human: 0, llm: 0 }, byKind: { human: new EventSamples(), llm: new EventSamples() }, all: new EventSamples() });

async function main(): Promise<void> {
  const dbFile = process.argv[2];
  if (!dbFile) throw new Error('fleet server-child: the database file is the first argument');
  let w = newWindow();
  const server = await startBenchServer(dbFile, { onCommand: (event, ms) => w.all.add(event, ms) });
  server.app.io.on('connection', (socket) => {
    const data = socket.data;
    if (data.role !== 'annotator') return;
    const kind = data.kind;
    socket.use((packet, next) => {
      const event = packet[0];
      const ack = packet[packet.length - 1];
      if (typeof event === 'string' && MEASURED.has(event) && typeof ack === 'function') {
        const started = performance.now();
        const window = w;
        packet[packet.length - 1] = (r: Ack<unknown>) => {
          // A command that began before the window started belongs to no window.
          if (window === w) {
            window.byKind[kind].add(event, performance.now() - started);
            if (event === 'label:submit' && r.ok) window.committed[kind]++;
          }
          (ack as (r: Ack<unknown>) => void)(r);
        };
      }
      next();
    });
  });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const profiler = process.argv[3] ? new Session() : null;
  profiler?.connect();
  await profiler?.post('Profiler.enable');
  process.on('message', async (m: ToServer) => {
    if (m.type === 'reset') {
      await profiler?.post('Profiler.start');
      loop.reset();
      w = newWindow();
    } else if (m.type === 'read') {
      const wall = performance.now() - w.started;
      const cpu = process.cpuUsage(w.cpu);
      const reading: WindowReading = {
        seconds: wall / 1000,
        committed: { ...w.committed },
        commands: { human: w.byKind.human.summary(), llm: w.byKind.llm.summary(), all: w.all.summary() },
        loop: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
        cpuCores: (cpu.user + cpu.system) / 1000 / wall,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
      };
      // The window is over: what the profile write costs is not in it.
      w = newWindow();
      if (profiler) fs.writeFileSync(process.argv[3]!, JSON.stringify((await profiler.post('Profiler.stop')).profile));
      send({ type: 'read', reading });
    } else {
      loop.disable();
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

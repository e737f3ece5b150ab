/**
 * The export benchmarks' handle on the server child (./server-child.ts): started on a database file, asked over IPC
 * for its event-loop and listener figures, and its memory read from /proc (the peak, VmHWM, which the child's own
 * event loop cannot delay). Then one export read to its end with the server's figures during it (`measureExport`).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forkTypescript } from '../lib/child';
import { schedSnapshot, schedUse } from '../lib/machine';
import { round } from '../lib/stats';
import { readExport, type ExportFormat } from './read';
import type { FromServer, ToServer } from './server-child';

export class ServerChild {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly token: string,
  ) {}

  static async start(dbFile: string, nodeOptions: string[]): Promise<ServerChild> {
    const child = forkTypescript(path.join(__dirname, 'server-child.ts'), [dbFile], nodeOptions);
    const ready = await reply(child, 'ready');
    return new ServerChild(child, ready.url, ready.token);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async ask<T extends 'reset' | 'read'>(type: T): Promise<Extract<FromServer, { type: T }>> {
    const r = reply(this.child, type);
    this.child.send({ type } satisfies ToServer);
    return r;
  }

  /** Starts the peak RSS (VmHWM) again from the RSS now (Linux: `echo 5 > /proc/<pid>/clear_refs`); false elsewhere. */
  resetPeak(): boolean {
    try {
      fs.writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
      return true;
    } catch {
      return false;
    }
  }

  /** VmHWM or VmRSS of the server process in bytes (/proc/<pid>/status), null when not on Linux. */
  memory(field: 'VmHWM' | 'VmRSS'): number | null {
    try {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : null;
    } catch {
      return null;
    }
  }

  /** Closes the server (which writes its CPU profile, if it takes one); kills it if it has not exited in 30 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'close' } satisfies ToServer);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

function reply<T extends FromServer['type']>(child: ChildProcess, type: T): Promise<Extract<FromServer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromServer) => {
      if (m.type !== type && m.type !== 'error') return;
      cleanup();
      if (m.type === 'error') reject(new Error(`server child: ${m.error}`));
      else resolve(m as Extract<FromServer, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the server child exited (${code}) before answering ${type}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** One export as read by a client, with the server's figures during it. */
export interface ExportMeasure {
  records: number;
  /** The first record's field names (JSONL, CSV header; Parquet: none). */
  fields: string[];
  seconds: number;
  /** From the request to the first byte (a crowd model's consensus is fitted before it). */
  firstByteSeconds: number;
  recordsPerSecond: number;
  mib: number;
  stallMs: number;
  stallP99Ms: number;
  gcMaxMs: number;
  gcMs: number;
  /** The most `error` + `close` listeners a response held during the export, and MaxListenersExceededWarnings. */
  maxResponseListeners: number;
  listenerWarnings: number;
  clientCpuSeconds: number;
  /** The server process's CPU seconds (its threads': the Parquet encoder's too) and records per such second. */
  serverCpuSeconds: number;
  recordsPerCpuSecond: number;
  rssBeforeMiB: number;
  peakRssMiB: number;
  peakGrowthMiB: number;
  load1: number;
  serverRunQueueWait: number | null;
}

/** Reads the export at `route` (under the server's URL) to its end and measures it (see ExportMeasure). */
export async function measureExport(server: ServerChild, route: string, format: ExportFormat): Promise<ExportMeasure> {
  const { rss } = await server.ask('reset');
  const hwm = server.resetPeak();
  let sampled = server.memory('VmRSS') ?? rss;
  const sampler = setInterval(() => (sampled = Math.max(sampled, server.memory('VmRSS') ?? 0)), 20);
  try {
    const sched0 = schedSnapshot({ server: server.pid });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await readExport(server.url + route, { authorization: `Bearer ${server.token}` }, format);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const use = schedUse(sched0, schedSnapshot({ server: server.pid }));
    clearInterval(sampler);
    const stats = await server.ask('read');
    const peak = Math.max(sampled, (hwm ? server.memory('VmHWM') : null) ?? 0);
    return {
      records: r.records,
      fields: r.fields,
      seconds: round(seconds, 2)!,
      firstByteSeconds: round((r.firstByteAt - t0) / 1000, 2)!,
      recordsPerSecond: round(r.records / seconds, 0)!,
      mib: round(r.bytes / 2 ** 20, 1)!,
      stallMs: round(stats.stallMs, 1)!,
      stallP99Ms: round(stats.p99Ms, 1)!,
      gcMaxMs: round(stats.gcMaxMs, 1)!,
      gcMs: round(stats.gcMs, 0)!,
      maxResponseListeners: stats.maxResponseListeners,
      listenerWarnings: stats.listenerWarnings,
      clientCpuSeconds: round((cpu.user + cpu.system) / 1e6, 2)!,
      serverCpuSeconds: round(stats.cpuSeconds, 2)!,
      recordsPerCpuSecond: round(r.records / stats.cpuSeconds, 0)!,
      rssBeforeMiB: round(rss / 2 ** 20, 0)!,
      peakRssMiB: round(peak / 2 ** 20, 0)!,
      peakGrowthMiB: round((peak - rss) / 2 ** 20, 0)!,
      load1: round(os.loadavg()[0], 2)!,
      serverRunQueueWait: use ? round(use.runQueueWait.server, 2) : null,
    };
  } finally {
    clearInterval(sampler);
  }
}

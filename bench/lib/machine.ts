import fs from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { performance } from 'node:perf_hooks';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** What the figures were measured on (CPU model as /proc/cpuinfo names it). */
export function machine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1]!.trim();
  } catch {
    // Not Linux: os.cpus() will do.
  }
  return {
    nproc: os.availableParallelism(),
    cpu,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

let gcFn: (() => void) | undefined;

/** A full garbage collection, so RSS and heap readings are not inflated by garbage (works without --expose-gc). */
export function collectGarbage(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Linux scheduler counters, to tell a slow server from a starved one on a shared machine: how busy all CPUs
 * were (every process, ours or not) and how long a thread waited on a run queue for a CPU. Null elsewhere.
 */
export interface SchedSnapshot {
  at: number;
  /** Jiffies: busy and total across all CPUs (/proc/stat). */
  busy: number;
  total: number;
  /** Nanoseconds the main thread of each watched process waited for a CPU (/proc/<pid>/schedstat). */
  runDelayNs: Record<string, number>;
}

export function schedSnapshot(pids: Record<string, number>): SchedSnapshot | null {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    const busy = total - cpu[3]! - cpu[4]!;
    const runDelayNs: Record<string, number> = {};
    for (const [name, pid] of Object.entries(pids)) runDelayNs[name] = Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return { at: performance.now(), busy, total, runDelayNs };
  } catch {
    return null;
  }
}

export interface SchedUse {
  /** CPU cores busy on the whole machine, by any process. */
  machineBusyCores: number;
  /** Share of wall time each watched main thread was runnable but waiting for a CPU. */
  runQueueWait: Record<string, number>;
}

export function schedUse(a: SchedSnapshot | null, b: SchedSnapshot | null): SchedUse | null {
  if (!a || !b || b.total === a.total) return null;
  const wallNs = (b.at - a.at) * 1e6;
  return {
    machineBusyCores: ((b.busy - a.busy) / (b.total - a.total)) * os.cpus().length,
    runQueueWait: Object.fromEntries(Object.keys(a.runDelayNs).map((k) => [k, ((b.runDelayNs[k] ?? 0) - a.runDelayNs[k]!) / wallNs])),
  };
}

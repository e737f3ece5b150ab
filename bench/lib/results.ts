import fs from 'node:fs';
import path from 'node:path';
import { machine, type Machine } from './machine';

/** What every result file starts with: which benchmark, when, run how (the command line and options), on what. */
export interface ResultHead {
  benchmark: string;
  at: string;
  command: string;
  machine: Machine;
  options: Record<string, number | string | readonly string[]>;
}

export function resultHead(benchmark: string, command: string, options: Record<string, number | string | readonly string[]>): ResultHead {
  return { benchmark, at: new Date().toISOString(), command, machine: machine(), options };
}

/** Writes bench/results/<benchmark>.json (what docs/BENCHMARKS.md quotes) and returns its path. */
export function writeResult(benchmark: string, result: unknown): string {
  const dir = path.resolve(__dirname, '../results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${benchmark}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

import type { OptionSpec, Options } from './args';

/** One benchmark that `npm run bench -- <name>` can run. */
export interface Benchmark<S extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  summary: string;
  options: S;
  /** Runs it, prints a table and writes bench/results/<name>.json; resolves with the exit code. */
  run(options: Options<S>, context: { command: string }): Promise<number>;
}

export const defineBenchmark = <S extends Record<string, OptionSpec>>(b: Benchmark<S>): Benchmark<S> => b;

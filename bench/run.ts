/**
 * `npm run bench -- <name> [--option value …]`: runs one benchmark. Add a benchmark by adding it to the table.
 */
import { optionsHelp, parseOptions } from './lib/args';
import type { Benchmark } from './lib/benchmark';
import { annotator } from './annotator';
import { assign } from './assign';
import { exportsBench } from './exports';
import { fleet } from './fleet';
import { exportsBig } from './exports-big';
import { importBench } from './import';
import { itemReads } from './item-reads';
import { judge } from './judge';
import { report } from './report';
import { routing } from './routing';

const BENCHMARKS: Record<string, Benchmark<any>> = {
  assign,
  report,
  judge,
  annotator,
  import: importBench,
  exports: exportsBench,
  'exports-big': exportsBig,
  routing,
  fleet,
  'item-reads': itemReads,
};

function usage(): string {
  return [
    'Usage: npm run bench -- <name> [--option value …]   (options also from BENCH_<OPTION> environment variables)',
    '',
    ...Object.entries(BENCHMARKS).flatMap(([name, b]) => [`${name}: ${b.summary}`, optionsHelp(b.options), '']),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const bench = BENCHMARKS[name];
  if (!bench) {
    console.error(`No benchmark called ${JSON.stringify(name)}.\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${name}: ${bench.summary}\n${optionsHelp(bench.options)}`);
    return 0;
  }
  const options = parseOptions(bench.options, rest);
  return bench.run(options, { command: ['npm run bench --', name, ...rest].join(' ') });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything should be closed by now; if a stray handle keeps the process alive, do not hang the shell.
    setTimeout(() => process.exit(code), 5000).unref();
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
    // A benchmark that failed half way may leave its server or threads open: do not hang the shell either.
    setTimeout(() => process.exit(1), 5000).unref();
  },
);

/**
 * `concord pairs build`: objective pairs (the JudgeBench pipeline) from questions with a verifiable answer. See
 * server/pairs/build.ts.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { CHECKERS, type CheckerName } from '../../shared/checkers';
import { BadQuestions, buildPairs, Interrupted, type BuildSummary } from '../pairs/build';
import { clean, fail } from './api';

interface PairsOpts {
  baseUrl?: string;
  model?: string;
  samples: string;
  checker?: CheckerName;
  out?: string;
  concurrency: string;
  apiKeyEnv?: string;
  temperature?: string;
  maxTokens?: string;
  tolerance: string;
  seed?: string;
  timeout: string;
  maxTries: string;
}

const count = (v: string, flag: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`${flag} must be a whole number ≥ ${min}, not ${JSON.stringify(v)}`);
  return n;
};
const positive = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`${flag} must be a number ≥ 0, not ${JSON.stringify(v)}`);
  return n;
};

/** A bar on a terminal, else a plain line every few seconds (logs and CI). */
async function progress(): Promise<{ update(p: { done: number; total: number; failed: number }): void; stop(): void }> {
  if (process.stderr.isTTY === true) {
    const { default: cliProgress } = await import('cli-progress');
    const bar = new cliProgress.SingleBar({ format: 'sampling {bar} {value}/{total} | {eta_formatted} left | failed {failed}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      update(p) {
        if (!started) bar.start(p.total, p.done, { failed: p.failed });
        else bar.update(p.done, { failed: p.failed });
        started = true;
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = 0;
  return {
    update(p) {
      if (Date.now() - last < 2000 && p.done + p.failed < p.total) return;
      last = Date.now();
      process.stderr.write(`sampled ${p.done}/${p.total}, failed ${p.failed}\n`);
    },
    stop() {},
  };
}

export function formatPairsSummary(s: BuildSummary): string {
  const c = s.counts;
  return [
    `${c.pair} of ${s.questions} questions gave a pair (${c['all-correct']} all correct, ${c['all-wrong']} all wrong, ${c.errors} with failed requests) → ${s.out}`,
    `  samples: ${s.requested} asked for in this run, ${s.cached} from the cache (${s.cache}), ${s.failed} failed`,
    ...(s.lastError ? [`  last error: ${clean(s.lastError)}`] : []),
  ].join('\n');
}

function build(): Command {
  return new Command('build')
    .description('Sample answers to questions with a verifiable answer, grade them, and write one pairwise item (a correct and an incorrect answer, gold = the correct one) per question')
    .argument('<questions>', 'a .jsonl file: {"id", "question", "answer", "category"?, "meta"?} a line')
    .option('--base-url <url>', 'OpenAI-compatible base URL, e.g. http://localhost:8000/v1')
    .option('--model <name>', 'model name at the endpoint')
    .option('--samples <k>', 'answers sampled per question', '4')
    .addOption(new Option('--checker <checker>', 'how an answer is graded').choices([...CHECKERS]))
    .option('--out <file>', 'the pairs file (default: <questions>.pairs.jsonl); samples are cached beside it in <out>.samples.jsonl')
    .option('--concurrency <n>', 'requests in flight at once', '8')
    .option('--api-key-env <VAR>', 'environment variable holding the API key (default OPENAI_API_KEY if set)')
    .option('--temperature <t>', 'sampling temperature')
    .option('--max-tokens <n>', 'most tokens per answer')
    .option('--tolerance <x>', 'number: relative and absolute tolerance', '1e-6')
    .option('--seed <n>', 'seed of the pairs and positions (default: drawn, and printed and recorded in meta)')
    .option('--timeout <seconds>', 'per-request timeout', '120')
    .option('--max-tries <n>', 'tries per request', '4')
    .action(async (file: string, o: PairsOpts) => {
      if (!o.baseUrl) fail('Say where the model is: --base-url <url>');
      if (!o.model) fail('Say which model answers: --model <name>');
      if (!o.checker) fail(`Say how answers are graded: --checker ${CHECKERS.join('|')}`);
      if (!fs.existsSync(file)) fail(`No such file: ${file}`);
      if (o.apiKeyEnv && !process.env[o.apiKeyEnv]) fail(`--api-key-env ${o.apiKeyEnv}: that environment variable is not set`);
      const seed = o.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : count(o.seed, '--seed', 0);
      const reporter = await progress();
      const ctl = new AbortController();
      process.once('SIGINT', () => ctl.abort());
      try {
        const summary = await buildPairs({
          input: file,
          out: o.out ?? file.replace(/\.jsonl?$/i, '') + '.pairs.jsonl',
          baseURL: o.baseUrl,
          // A local server (vLLM, Ollama) takes any key; the client needs one.
          apiKey: process.env[o.apiKeyEnv ?? 'OPENAI_API_KEY'] || 'none',
          model: o.model,
          samples: count(o.samples, '--samples', 2),
          checker: o.checker,
          seed,
          concurrency: count(o.concurrency, '--concurrency', 1),
          tolerance: positive(o.tolerance, '--tolerance')!,
          temperature: positive(o.temperature, '--temperature'),
          maxTokens: o.maxTokens === undefined ? undefined : count(o.maxTokens, '--max-tokens', 1),
          timeoutMs: positive(o.timeout, '--timeout')! * 1000,
          maxTries: count(o.maxTries, '--max-tries', 1),
          onProgress: (p) => reporter.update(p),
          signal: ctl.signal,
        });
        reporter.stop();
        process.stdout.write(`${formatPairsSummary(summary)}\n  seed ${seed}\n`);
        process.exit(0);
      } catch (e) {
        reporter.stop();
        if (e instanceof BadQuestions) fail(`${file}: ${e.message}\n${e.problems.map((p) => `  line ${p.line}${p.field ? `  ${p.field}` : ''}: ${clean(p.message)}`).join('\n')}`);
        if (e instanceof Interrupted) {
          process.stderr.write(`concord: ${e.message}\n`);
          process.exit(130);
        }
        fail(e instanceof Error ? e.message : String(e));
      }
    });
}

export function pairsCommand(): Command {
  return new Command('pairs').description('Objective pairs: pairwise items with a verifiable gold answer (the JudgeBench pipeline)').addCommand(build());
}

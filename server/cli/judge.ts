/**
 * `concord judge`: runs an LLM judge (or a baseline) over the task protocol until nothing is left, with a
 * progress bar on a terminal and plain lines otherwise, then prints the summary. With `--project`, `--model` and
 * the admin token it registers the judge first (one step).
 */
import { Command, Option } from 'commander';
import { JudgeTemplate } from '../../shared/schemas';
import { requestJson, fail } from './api';
import { BUILT_IN_TEMPLATES, loadTemplateFile, templateVersion } from '../../judge-worker/templates';
import type { WorkerSummary } from '../../judge-worker/summary';
import { JudgeWorker } from '../../judge-worker/worker';

interface JudgeOpts {
  server: string;
  token?: string;
  project?: string;
  adminToken?: string;
  model?: string;
  name?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  concurrency?: string;
  swap?: boolean;
  samples?: string;
  temperature?: string;
  maxTokens?: string;
  template?: string;
  structured?: 'on' | 'off';
  repair?: boolean;
  seed?: string;
  timeout?: string;
  maxTries?: string;
  priceInput?: string;
  priceOutput?: string;
  listTemplates?: boolean;
  json?: boolean;
}

const int = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail(`${flag} must be a whole number, not ${JSON.stringify(v)}`);
  return n;
};
const num = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`${flag} must be a number ≥ 0, not ${JSON.stringify(v)}`);
  return n;
};

function listTemplates(): void {
  const rows = BUILT_IN_TEMPLATES.map((t) => [t.name, t.type, templateVersion(t), t.description]);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['name', 'type', 'version'][i]!.length));
  const line = (r: string[]) => `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]}`;
  process.stdout.write([line(['name', 'type', 'version', 'description']), ...rows.map(line)].join('\n') + '\n');
  process.stdout.write('\nYour own: --template path/to/template.json (fields: name, type, system, user, parser, text_format; see shared/schemas.ts JudgeTemplate).\n');
}

/** Registers a judge on the project with the admin token; returns its token. */
async function register(o: JudgeOpts): Promise<string> {
  if (!o.adminToken) fail('Registering a judge needs the admin token: --admin-token or CONCORD_ADMIN_TOKEN');
  if (!o.model) fail('Say which model judges: --model <name> (or baseline:longest, baseline:first, baseline:random)');
  const body: Record<string, unknown> = { model: o.model };
  if (o.name) body.name = o.name;
  if (o.swap) body.swap = true;
  if (o.samples) body.samples = int(o.samples, '--samples');
  if (o.temperature) body.temperature = num(o.temperature, '--temperature');
  if (o.maxTokens) body.max_tokens = int(o.maxTokens, '--max-tokens');
  if (o.structured) body.structured = o.structured === 'on';
  if (o.repair) body.repair = true;
  if (o.seed) body.seed = int(o.seed, '--seed');
  if (o.baseUrl) body.base_url = o.baseUrl;
  if (o.apiKeyEnv) body.api_key_env = o.apiKeyEnv;
  if (o.concurrency) body.concurrency = int(o.concurrency, '--concurrency');
  if (o.timeout) body.timeout_seconds = num(o.timeout, '--timeout');
  if (o.priceInput || o.priceOutput) body.price = { input: num(o.priceInput ?? '0', '--price-input'), output: num(o.priceOutput ?? '0', '--price-output') };
  if (o.template) {
    if (BUILT_IN_TEMPLATES.some((t) => t.name === o.template)) body.template = o.template;
    else {
      let t: JudgeTemplate;
      try {
        t = loadTemplateFile(o.template);
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
      }
      body.template = t.name;
      body.prompt = t;
    }
  }
  const r = await requestJson<{ id: number; name: string; token: string }>({ server: o.server, token: o.adminToken }, 'POST', `/projects/${encodeURIComponent(o.project!)}/judges`, JSON.stringify(body));
  process.stderr.write(`Registered judge "${r.name}" (id ${r.id}) on project ${o.project}. Its token, to run it again: ${r.token}\n`);
  return r.token;
}

/** Progress on a terminal (a bar) or as plain lines every few seconds. */
async function progressReporter(): Promise<{ update(s: WorkerSummary): void; stop(): void }> {
  const tty = process.stderr.isTTY === true;
  if (tty) {
    const { default: cliProgress } = await import('cli-progress');
    const bar = new cliProgress.SingleBar(
      { format: 'judging {bar} {value}/{total} | {eta_formatted} left | invalid {invalid} | retries {retries} | errors {errors}', stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(s) {
        const payload = { invalid: s.invalid, retries: s.retries, errors: s.errors };
        if (!started) {
          bar.start(s.progress.target ?? 0, s.progress.done, payload);
          started = true;
        } else bar.update(s.progress.done, payload);
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = 0;
  return {
    update(s) {
      const now = Date.now();
      if (now - last < 2000) return;
      last = now;
      const pct = s.progress.target ? ` (${Math.floor((100 * s.progress.done) / s.progress.target)}%)` : '';
      process.stderr.write(`judged ${s.progress.done}/${s.progress.target ?? '?'}${pct}, invalid ${s.invalid}, retries ${s.retries}, errors ${s.errors}\n`);
    },
    stop() {},
  };
}

export function formatSummary(s: WorkerSummary): string {
  const who = s.judge ? `${s.judge.name} (${s.judge.model}, id ${s.judge.id})` : 'judge';
  const lines = [
    `${who}: ${s.state}. ${s.labels} labels (${s.invalid} invalid) in ${(s.wall_ms / 1000).toFixed(1)} s; progress ${s.progress.done}/${s.progress.target ?? '?'}`,
    `  retries ${s.retries}, resubmits ${s.resubmits}, lapsed ${s.lapsed} (labels sent after their task had gone back to the pool), tasks released after errors ${s.errors}`,
    `  tokens ${s.tokens.prompt} prompt + ${s.tokens.completion} completion${s.cost === null ? '' : `, cost $${s.cost.toFixed(4)}`}`,
  ];
  if (s.template) lines.push(`  template ${s.template.name} @ ${s.template.version}${s.structured_fallback ? ' (the endpoint refused structured output: text format used)' : ''}`);
  if (s.last_error) lines.push(`  last error: ${s.last_error}`);
  return lines.join('\n');
}

export function judgeCommand(): Command {
  return new Command('judge')
    .description('Run an LLM judge (any OpenAI-compatible endpoint) or a baseline over the task protocol until nothing is left, then print a summary')
    .addOption(new Option('--server <url>', 'the Concord server').env('CONCORD_SERVER').default('http://localhost:3000'))
    .option('--token <token>', "the judge's token (from POST /api/projects/:id/judges)")
    .option('--project <id>', 'register a new judge on this project first (needs --model and the admin token)')
    // Read from the environment by commander, never a default: `--help` prints defaults.
    .addOption(new Option('--admin-token <token>', 'the admin token, for --project').env('CONCORD_ADMIN_TOKEN'))
    .option('--model <name>', 'model name at the endpoint, or baseline:longest | baseline:first | baseline:random')
    .option('--name <name>', "the judge's name (default: the model)")
    .option('--base-url <url>', 'OpenAI-compatible base URL, e.g. http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (Ollama)')
    .option('--api-key-env <VAR>', 'environment variable holding the API key (default OPENAI_API_KEY if set)')
    .option('--concurrency <n>', 'requests in flight at once (default: the registration, 8)')
    .option('--swap', 'judge every pairwise item in both orders (AB and BA)')
    .option('--samples <k>', 'judge each item (and order) k times')
    .option('--temperature <t>', 'sampling temperature')
    .option('--max-tokens <n>', 'most tokens per answer')
    .option('--template <name|file>', 'a built-in template (see --list-templates) or a JSON template file')
    .addOption(new Option('--structured <on|off>', 'structured output (response_format json_schema); falls back to text if refused').choices(['on', 'off']))
    .option('--repair', 'ask once more when an answer cannot be read')
    .option('--seed <n>', 'seed sent to the endpoint (and for baseline:random)')
    .option('--timeout <seconds>', 'per-request timeout (default 60)')
    .option('--max-tries <n>', 'tries per request before the task is released (default 4)')
    .option('--price-input <usd>', 'US$ per million prompt tokens, for the cost')
    .option('--price-output <usd>', 'US$ per million completion tokens')
    .option('--list-templates', 'list the built-in templates and their versions')
    .option('--json', 'print the summary as JSON')
    .action(async (o: JudgeOpts) => {
      if (o.listTemplates) return listTemplates();
      let token = o.token;
      if (o.project) token = await register(o);
      if (!token) fail('Give a judge token (--token) or register one here: --project <id> --model <name> --admin-token <token>');
      const reporter = await progressReporter();
      const worker = new JudgeWorker({
        server: o.server,
        token,
        // In the one-step form the flags went into the registration; as overrides they say where and how fast.
        baseUrl: o.project ? undefined : o.baseUrl,
        apiKeyEnv: o.project ? undefined : o.apiKeyEnv,
        concurrency: int(o.concurrency, '--concurrency'),
        timeoutMs: o.timeout === undefined ? undefined : num(o.timeout, '--timeout')! * 1000,
        maxTries: int(o.maxTries, '--max-tries'),
        secret: (name) => process.env[name],
        onProgress: (s) => reporter.update(s),
      });
      let interrupts = 0;
      process.on('SIGINT', () => {
        interrupts++;
        process.stderr.write(interrupts === 1 ? '\nStopping: finishing the tasks in flight (Ctrl-C again to release them now)\n' : '\nReleasing the tasks in flight\n');
        worker.stop({ abort: interrupts > 1 });
      });
      let summary: WorkerSummary;
      try {
        summary = await worker.run();
      } catch (e) {
        reporter.stop();
        fail(e instanceof Error ? e.message : String(e));
      }
      reporter.stop();
      process.stdout.write(o.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
      // A run that ended in error fails the command (scripts and CI see it), whatever it labelled first; the last
      // error names the URL that failed (the model endpoint or the Concord server).
      if (summary.state === 'error') fail(`the judge run ended in error${summary.errors ? ` (${summary.errors} tasks released unlabelled)` : ''}: ${summary.last_error ?? 'no reason given'}`);
      process.exit(0);
    });
}

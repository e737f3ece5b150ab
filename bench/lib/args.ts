/**
 * Command-line options for a benchmark: `--name value`, `--name=value` or the environment variable
 * `BENCH_NAME` (flags win). Each option is declared with its default so `--help` can list them.
 */
export interface OptionSpec {
  default: number;
  help: string;
}

export type Options<S extends Record<string, OptionSpec>> = { [K in keyof S]: number };

const envName = (key: string) => `BENCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Parses numeric options; throws naming the flag that is wrong or unknown. */
export function parseOptions<S extends Record<string, OptionSpec>>(spec: S, argv: string[], env: NodeJS.ProcessEnv = process.env): Options<S> {
  const byFlag = new Map(Object.keys(spec).map((k) => [flagName(k), k]));
  const out: Record<string, number> = {};
  for (const [k, s] of Object.entries(spec)) {
    const e = env[envName(k)];
    out[k] = e !== undefined && e !== '' ? toNumber(e, envName(k)) : s.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`Unexpected argument ${arg}`);
    const key = byFlag.get(m[1]!);
    if (!key) throw new Error(`Unknown option --${m[1]} (known: ${[...byFlag.keys()].map((f) => `--${f}`).join(', ')})`);
    const raw = m[2] ?? argv[++i];
    if (raw === undefined) throw new Error(`--${m[1]} needs a value`);
    out[key] = toNumber(raw, `--${m[1]}`);
  }
  return out as Options<S>;
}

function toNumber(raw: string, what: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${what} must be a number ≥ 0, not ${JSON.stringify(raw)}`);
  return n;
}

export function optionsHelp(spec: Record<string, OptionSpec>): string {
  return Object.entries(spec)
    .map(([k, s]) => `  --${flagName(k).padEnd(22)} ${s.help} (default ${s.default}; env ${envName(k)})`)
    .join('\n');
}

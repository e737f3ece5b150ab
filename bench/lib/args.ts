/**
 * Command-line options for a benchmark: `--name value`, `--name=value` or the environment variable
 * `BENCH_NAME` (flags win). Each option is declared with its default so `--help` can list them. An option is a
 * number (≥ 0), one of a few words (`choice`, e.g. the kind of item a benchmark seeds), or any text (`text`, e.g. a
 * file to start from).
 */
export interface NumberOption {
  default: number;
  help: string;
}

export interface ChoiceOption<C extends string = string> {
  default: C;
  choices: readonly C[];
  help: string;
}

/** Several of a few words, comma-separated (`--formats jsonl,csv`). */
export interface ListOption<C extends string = string> {
  default: readonly C[];
  choices: readonly C[];
  list: true;
  help: string;
}

/** Any text, e.g. a path (`--db /tmp/seed.db`); '' when not given, unless another default is declared. */
export interface TextOption {
  default: string;
  text: true;
  help: string;
}

export type OptionSpec = NumberOption | ChoiceOption | ListOption | TextOption;

export type Options<S extends Record<string, OptionSpec>> = {
  [K in keyof S]: S[K] extends ListOption<infer C> ? C[] : S[K] extends ChoiceOption<infer C> ? C : S[K] extends TextOption ? string : number;
};

/** A word option; its default is the first choice. */
export const choice = <const C extends string>(choices: readonly [C, ...C[]], help: string): ChoiceOption<C> => ({ default: choices[0], choices, help });

/** A list option: any of `choices`, comma-separated; `defaults` when not given. */
export const list = <const C extends string>(choices: readonly [C, ...C[]], defaults: readonly C[], help: string): ListOption<C> => ({ default: defaults, choices, list: true, help });

/** A free-text option. */
export const text = (help: string, defaultValue = ''): TextOption => ({ default: defaultValue, text: true, help });

const isList = (s: OptionSpec): s is ListOption => 'list' in s;
const isText = (s: OptionSpec): s is TextOption => 'text' in s;
const isChoice = (s: OptionSpec): s is ChoiceOption => 'choices' in s && !isList(s);

const envName = (key: string) => `BENCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Parses the options; throws naming the flag that is wrong or unknown. */
export function parseOptions<S extends Record<string, OptionSpec>>(spec: S, argv: string[], env: NodeJS.ProcessEnv = process.env): Options<S> {
  const byFlag = new Map(Object.keys(spec).map((k) => [flagName(k), k]));
  const out: Record<string, number | string | string[]> = {};
  for (const [k, s] of Object.entries(spec)) {
    const e = env[envName(k)];
    out[k] = e !== undefined && e !== '' ? toValue(s, e, envName(k)) : typeof s.default === 'object' ? [...s.default] : s.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`Unexpected argument ${arg}`);
    const key = byFlag.get(m[1]!);
    if (!key) throw new Error(`Unknown option --${m[1]} (known: ${[...byFlag.keys()].map((f) => `--${f}`).join(', ')})`);
    const raw = m[2] ?? argv[++i];
    if (raw === undefined) throw new Error(`--${m[1]} needs a value`);
    out[key] = toValue(spec[key]!, raw, `--${m[1]}`);
  }
  return out as Options<S>;
}

function toValue(spec: OptionSpec, raw: string, what: string): number | string | string[] {
  if (isText(spec)) return raw;
  if (isList(spec)) {
    const words = raw.split(',').map((w) => w.trim()).filter((w) => w !== '');
    const wrong = words.filter((w) => !spec.choices.includes(w));
    if (words.length === 0 || wrong.length > 0) throw new Error(`${what} must be a comma-separated list of ${spec.choices.join(', ')}, not ${JSON.stringify(raw)}`);
    return words;
  }
  if (isChoice(spec)) {
    if (!spec.choices.includes(raw)) throw new Error(`${what} must be one of ${spec.choices.join(', ')}, not ${JSON.stringify(raw)}`);
    return raw;
  }
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${what} must be a number ≥ 0, not ${JSON.stringify(raw)}`);
  return n;
}

export function optionsHelp(spec: Record<string, OptionSpec>): string {
  return Object.entries(spec)
    .map(([k, s]) => `  --${flagName(k).padEnd(22)} ${s.help}${isChoice(s) ? `: ${s.choices.join(' | ')}` : isList(s) ? `: any of ${s.choices.join(',')}` : ''} (default ${isText(s) && s.default === '' ? 'none' : s.default}; env ${envName(k)})`)
    .join('\n');
}

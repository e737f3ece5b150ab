/**
 * The CLI side of import presets (issue 12): `concord import --preset <name>` / `--map <spec>` / `--seed <n>`.
 * The lead registers the options on the `import` command (server/cli/index.ts); the server does the mapping
 * (`?preset=` / `?map=` / `?seed=` on the items import), so the CLI and the REST import read a file the same way.
 */
import { Option, type Command } from 'commander';
import { ITEM_RECORD } from '../../shared/schemas';
import { mapPreset } from '../imports/presets/mapping';
import { PRESETS } from '../imports/presets/presets';

export interface PresetCliOptions {
  preset?: string;
  map?: string;
  seed?: string;
  labels?: boolean;
}

/** Adds --preset, --map and --seed to a command (the `import` command). */
export function addPresetOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--preset <name>', 'read the file as a published data set: items and the labels it carries (pairwise projects)').choices([...PRESETS.keys()]))
    .option('--map <spec>', 'map the file\'s fields to item fields, e.g. question=instruction,answer_a=output_1,answer_b=output_2 (other fields are kept in meta)')
    .option('--seed <n>', 'the seed of presets that shuffle answer positions (rewardbench), recorded in each item\'s meta', '1');
}

/**
 * The query parameters for the items import (`preset=…&seed=…` or `map=…`, empty without either), or the problem
 * in plain words (the caller fails with it before anything is sent).
 */
export function presetQuery(opts: PresetCliOptions): { query: string } | { error: string } {
  if (!opts.preset && !opts.map) return { query: '' };
  if (opts.preset && opts.map) return { error: 'Give either --preset or --map, not both' };
  if (opts.labels) return { error: '--preset and --map read an items file (with the labels it carries): drop --labels' };
  const seed = opts.seed ?? '1';
  if (!/^\d+$/.test(seed) || !Number.isSafeInteger(Number(seed))) return { error: `--seed must be a whole number from 0, not "${seed}"` };
  const q = new URLSearchParams();
  if (opts.preset) {
    if (!PRESETS.has(opts.preset)) return { error: `Unknown preset "${opts.preset}": the presets are ${[...PRESETS.keys()].join(', ')}` };
    q.set('preset', opts.preset);
    q.set('seed', seed);
  } else {
    // Any project type's item fields: the server checks the map against the project's own.
    const m = mapPreset(opts.map!, [...new Set(Object.values(ITEM_RECORD).flatMap((r) => Object.keys(r.shape)))]);
    if (typeof m === 'string') return { error: `--map: ${m}` };
    q.set('map', opts.map!);
  }
  return { query: q.toString() };
}

/** The presets with what each reads, for `--help` and errors. */
export const presetList = (): string => [...PRESETS.values()].map((p) => `  ${p.name}: ${p.description}`).join('\n');

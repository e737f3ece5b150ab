/** `?preset=<name>` / `?map=<spec>` (and `?seed=`) on an items import: which preset, and applying it to the records read. */
import { AppError } from '../../errors';
import type { Project } from '../../../shared/views';
import type { Problems, RawRecord } from '../parse';
import { ITEM_RECORD } from '../../../shared/schemas';
import { applyPreset, mapPreset, type CarriedLabel, type Preset } from './mapping';
import { PRESETS } from './presets';

export interface Plan {
  /** A preset, or a `?map=` spec (checked against the project's item fields when applied). */
  preset: Preset | { map: string };
  seed: number;
}

export interface CarriedLabels {
  labels: Array<{ line: number; item: string; label: CarriedLabel }>;
}

/** The plan a query asks for, null when it names none; an unknown preset or a bad map is a 400 naming the choices. */
export function planOf(query: Record<string, unknown>): Plan | null {
  const name = typeof query.preset === 'string' ? query.preset : undefined;
  const map = typeof query.map === 'string' ? query.map : undefined;
  if (name === undefined && map === undefined) return null;
  if (name !== undefined && map !== undefined) throw new AppError('invalid-input', 'Give either preset or map, not both');
  const seedText = typeof query.seed === 'string' ? query.seed : '1';
  const seed = Number(seedText);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new AppError('invalid-input', `seed must be a whole number from 0, not "${seedText}"`);
  if (name !== undefined) {
    const preset = PRESETS.get(name);
    if (!preset) throw new AppError('invalid-input', `Unknown preset "${name}": the presets are ${[...PRESETS.keys()].join(', ')}`);
    return { preset, seed };
  }
  return { preset: { map: map! }, seed };
}

/** Rewrites the records read into item records (in place) and returns the labels they carry. */
export function applyPlan(plan: Plan, project: Project, read: { records: RawRecord[]; problems: Problems }): CarriedLabels {
  let preset: Preset;
  if ('map' in plan.preset) {
    const m = mapPreset(plan.preset.map, Object.keys(ITEM_RECORD[project.type].shape));
    if (typeof m === 'string') throw new AppError('invalid-input', `map: ${m}`);
    preset = m;
  } else preset = plan.preset;
  if (project.type !== 'pairwise' && preset.name !== 'map') throw new AppError('invalid-input', `The ${preset.name} preset makes pairwise items: this project is ${project.type}`);
  const applied = applyPreset(preset, read.records, { seed: plan.seed }, (d) => read.problems.add(d));
  read.records = applied.items;
  return { labels: applied.labels };
}

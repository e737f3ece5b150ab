/**
 * The mapping engine of import presets (issue 12): a preset is a field mapping plus small value rules, applied to
 * each source record before the ordinary item validation. It turns a record into an item record (pairwise) and the
 * labels the record carries (annotator, kind, value A/B/tie in the item's frame). Fields a preset does not map are
 * kept in the item's `meta`. Records naming the same item (one record per judgment: MT-Bench, alpaca_eval's
 * cross-annotations) become one item with all their labels.
 */
import { createHash } from 'node:crypto';
import type { ErrorDetail } from '../../../shared/errors';
import { parseMapSpec } from '../../../shared/map-spec';

export interface CarriedLabel {
  annotator: string;
  kind: 'human' | 'llm';
  value: string | null;
  rationale?: string;
}

/** What a preset's rule adds to the mapped fields: computed item fields, labels, or the problem of the record. */
export interface RuleResult {
  item?: Record<string, unknown>;
  labels?: CarriedLabel[];
  problem?: { field: string; message: string };
}

export interface RuleContext {
  /** The import's seed (`?seed=`), for presets that shuffle positions. */
  seed: number;
}

export interface Preset {
  name: string;
  description: string;
  /** Item field ← source field. A source field that is absent is an error unless listed in `optional`. */
  fields: Record<string, string>;
  optional?: readonly string[];
  /** Source fields the rule reads (not kept in meta). */
  consumed?: readonly string[];
  rule?: (src: Record<string, unknown>, ctx: RuleContext) => RuleResult;
}

/**
 * Value rule for text: the formats give some answers as JSON numbers or booleans (PandaLM's test set has answers
 * that are JSON `true`); PandaLM's own code reads them with Python, so a boolean becomes "True"/"False" as there.
 */
export function asText(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  return v;
}

/** A stable id for formats whose records carry none: the hash of the fields that make the item. */
export function contentId(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

export interface Applied {
  /** Item records, one per distinct item id, with the line of the first record that made it. */
  items: Array<{ line: number; value: Record<string, unknown> }>;
  labels: Array<{ line: number; item: string; label: CarriedLabel }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Maps one record: the item record and its labels, or the problems naming the record's line and field. */
function mapRecord(preset: Preset, src: Record<string, unknown>, line: number, ctx: RuleContext, add: (d: ErrorDetail) => void): { item: Record<string, unknown>; labels: CarriedLabel[] } | null {
  const item: Record<string, unknown> = {};
  const used = new Set<string>(preset.consumed ?? []);
  let bad = false;
  for (const [target, source] of Object.entries(preset.fields)) {
    used.add(source);
    const v = src[source];
    if (v === undefined || v === null) {
      if (!preset.optional?.includes(source)) {
        add({ line, field: source, message: `${source} is missing (the ${preset.name} preset reads it as the item's ${target})` });
        bad = true;
      }
      continue;
    }
    item[target] = KEEP.has(target) && typeof v !== 'boolean' ? v : asText(v);
  }
  if (bad) return null;
  const r = preset.rule ? preset.rule(src, ctx) : {};
  if (r.problem) {
    add({ line, ...r.problem });
    return null;
  }
  Object.assign(item, r.item);
  const meta: Record<string, unknown> = isObject(item.meta) ? { ...item.meta } : {};
  for (const [k, v] of Object.entries(src)) if (!used.has(k) && v !== undefined) meta[k] = v;
  if (isObject(r.item?.meta)) Object.assign(meta, r.item.meta);
  if (Object.keys(meta).length) item.meta = meta;
  else delete item.meta;
  return { item, labels: r.labels ?? [] };
}

/**
 * Applies a preset to the records of a file. Records with the same item id must describe the same item (their
 * labels are gathered); a record that differs is named with the line of the first.
 */
export function applyPreset(preset: Preset, records: Array<{ line: number; value: unknown; failed?: boolean }>, ctx: RuleContext, add: (d: ErrorDetail) => void): Applied {
  const out: Applied = { items: [], labels: [] };
  const firstOf = new Map<string, { line: number; json: string }>();
  for (const { line, value, failed } of records) {
    if (failed) continue;
    if (!isObject(value)) {
      add({ line, message: `each record must be a JSON object (the ${preset.name} preset reads ${Object.values(preset.fields).join(', ')})` });
      continue;
    }
    const m = mapRecord(preset, value, line, ctx, add);
    if (!m) continue;
    const id = typeof m.item.id === 'string' ? m.item.id : null;
    if (id !== null) {
      const { meta: _meta, ...content } = m.item;
      const json = JSON.stringify(content);
      const first = firstOf.get(id);
      if (first) {
        if (first.json !== json) add({ line, field: 'id', message: `item "${id}" differs from the record on line ${first.line} (same id, other question or answers)` });
        else for (const label of m.labels) out.labels.push({ line, item: id, label });
        continue;
      }
      firstOf.set(id, { line, json });
      for (const label of m.labels) out.labels.push({ line, item: id, label });
    }
    out.items.push({ line, value: m.item });
  }
  return out;
}

/** Item fields a `--map` may name: a pairwise item record's fields (other project types pass their own). */
export const MAP_TARGETS: readonly string[] = ['id', 'question', 'answer_a', 'answer_b', 'conversation_a', 'conversation_b', 'turn', 'gold', 'reference', 'persona', 'meta'];

/** Item fields whose values are kept as they are (lists, objects, numbers the schema wants); the others become text. */
const KEEP = new Set(['meta', 'conversation', 'conversation_a', 'conversation_b', 'turn', 'answers', 'options', 'images', 'gold']);

/**
 * A preset from a `--map` spec, `question=instruction,answer_a=output_1,…` (item field = source field). Returns the
 * preset, or the problem with the spec in plain words.
 */
export function mapPreset(spec: string, targets: readonly string[] = MAP_TARGETS): Preset | string {
  const fields = parseMapSpec(spec, targets);
  if (typeof fields === 'string') return fields;
  // A target the map leaves out is read from the source field of its own name, when no other target takes that
  // field: a file with an `id` column needs no `id=id`.
  const sources = new Set(Object.values(fields));
  for (const t of targets) if (!fields[t] && !sources.has(t)) fields[t] = t;
  // Only the fields a record has are copied: the item validation names any required one still missing.
  return { name: 'map', description: spec, fields, optional: Object.values(fields) };
}

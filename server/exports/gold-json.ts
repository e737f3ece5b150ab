/**
 * A gold record's labels and meta as JSON text, written by hand for the CSV export's cells (issue 14: JSON.stringify
 * of each record's labels and meta was most of the CSV rows' time at a million records). The text is byte for byte
 * `JSON.stringify`'s (test/integration/export-json-line.test.ts compares them on random values): a label's
 * annotator and kind are written once per annotator, a label value's JSON once per value, an item's meta once per
 * distinct meta object (the gold export shares one parsed object among the items whose meta text is the same).
 * Measured, 20,000 gold records: labels and meta 0.6 µs a record against 1.5 µs. A whole JSON line written the same
 * way was twice as slow as JSON.stringify (14.6 against 7.4 µs a record), so JSONL lines stay JSON.stringify's.
 */
import type { ExportLabel } from './ranking-gold';

/** Any JSON value as `JSON.stringify` writes it (objects and lists by `JSON.stringify`). */
function jsonOf(v: unknown): string | undefined {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

/** Writers of gold records' labels and meta for one export (their caches live as long as the export). */
export function goldJson(): { labels: (labels: readonly ExportLabel[]) => string; meta: (meta: unknown) => string } {
  // `{"annotator":…,"kind":…,"value":` by annotator and kind; a value's JSON by value (text values repeat: A, B, tie).
  const heads = new Map<string, string>();
  const values = new Map<string | number, string>();
  const valueOf = (v: string | number | null): string => {
    if (v === null) return 'null';
    let s = values.get(v);
    if (s === undefined) {
      s = jsonOf(v)!;
      if (values.size < 1024) values.set(v, s);
    }
    return s;
  };
  // ExportLabel objects are made in one place (gold.ts) with these five members in this order.
  const labels = (list: readonly ExportLabel[]): string => {
    let s = '[';
    for (let i = 0; i < list.length; i++) {
      const l = list[i]!;
      const hk = l.kind + '\u0000' + l.annotator;
      let head = heads.get(hk);
      if (head === undefined) heads.set(hk, (head = `{"annotator":${JSON.stringify(l.annotator)},"kind":${JSON.stringify(l.kind)},"value":`));
      s += (i === 0 ? '' : ',') + head + valueOf(l.value) + ',"certainty":' + (l.certainty === null ? 'null' : jsonOf(l.certainty)) + ',"rationale":' + (l.rationale === null ? 'null' : JSON.stringify(l.rationale)) + '}';
    }
    return s + ']';
  };
  const metas = new WeakMap<object, string>();
  const meta = (m: unknown): string => {
    if (m === null || typeof m !== 'object') return jsonOf(m) ?? 'null';
    let s = metas.get(m);
    if (s === undefined) metas.set(m, (s = JSON.stringify(m)));
    return s;
  };
  return { labels, meta };
}

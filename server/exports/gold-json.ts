/**
 * A gold record's labels and meta as the gold CSV's cells, JSON text written by hand (issue 14: JSON.stringify of
 * each record's labels and meta, then the CSV's quoting of that text, was most of the CSV rows' time at a million
 * records). Each cell is the field csv.ts would write of `JSON.stringify`'s text, byte for byte
 * (test/integration/export-json-line.test.ts compares them on random values): the JSON with every quote doubled,
 * inside quotes. A label's annotator and kind are written once per annotator, a label value's text once per value,
 * an item's meta cell once per distinct meta object (the gold export shares one parsed object among the items whose
 * meta text is the same). Measured, 20,000 gold records: labels and meta 0.6 µs a record against 1.5 µs (before the
 * quoting was written in too). A whole JSON line written the same way was twice as slow as JSON.stringify (14.6
 * against 7.4 µs a record), so JSONL lines stay JSON.stringify's.
 */
import { CsvField, csvField } from './csv';
import type { ExportLabel } from './ranking-gold';

/** Any JSON value as `JSON.stringify` writes it (objects and lists by `JSON.stringify`). */
function jsonOf(v: unknown): string | undefined {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

/** JSON text as it sits inside a quoted CSV field: its quotes doubled. */
const quoted = (json: string): string => (json.includes('"') ? json.replaceAll('"', '""') : json);

/** Writers of gold records' labels and meta cells for one export (their caches live as long as the export). */
export function goldJson(): { labels: (labels: readonly ExportLabel[]) => CsvField; meta: (meta: unknown) => CsvField } {
  // `{"annotator":…,"kind":…,"value":` by annotator and kind; a value's text by value (text values repeat: A, B, tie).
  const heads = new Map<string, string>();
  const values = new Map<string | number, string>();
  const valueOf = (v: string | number | null): string => {
    if (v === null) return 'null';
    let s = values.get(v);
    if (s === undefined) {
      s = quoted(jsonOf(v)!);
      if (values.size < 1024) values.set(v, s);
    }
    return s;
  };
  const empty = new CsvField('[]');
  // ExportLabel objects are made in one place (gold.ts) with these five members in this order. A list with a label
  // holds a quote, so its field is always quoted; `[]` holds none and is written bare.
  const labels = (list: readonly ExportLabel[]): CsvField => {
    if (list.length === 0) return empty;
    let s = '"[';
    for (let i = 0; i < list.length; i++) {
      const l = list[i]!;
      const hk = l.kind + '\u0000' + l.annotator;
      let head = heads.get(hk);
      if (head === undefined) heads.set(hk, (head = quoted(`{"annotator":${JSON.stringify(l.annotator)},"kind":${JSON.stringify(l.kind)},"value":`)));
      s += (i === 0 ? '' : ',') + head + valueOf(l.value) + ',""certainty"":' + (l.certainty === null ? 'null' : jsonOf(l.certainty)) + ',""rationale"":' + (l.rationale === null ? 'null' : quoted(JSON.stringify(l.rationale))) + '}';
    }
    return new CsvField(s + ']"');
  };
  const metas = new WeakMap<object, CsvField>();
  const meta = (m: unknown): CsvField => {
    if (m === null || typeof m !== 'object') return new CsvField(csvField(jsonOf(m) ?? 'null'));
    let f = metas.get(m);
    if (f === undefined) metas.set(m, (f = new CsvField(csvField(JSON.stringify(m)))));
    return f;
  };
  return { labels, meta };
}

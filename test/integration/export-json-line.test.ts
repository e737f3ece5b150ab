import { csvField } from '../../server/exports/csv';
import { goldJson } from '../../server/exports/gold-json';
import type { ExportLabel } from '../../server/exports/ranking-gold';

/**
 * The gold CSV's hand-written labels and meta cells (server/exports/gold-json.ts) against csv.ts's field of
 * JSON.stringify's text on random records:
 * every kind of member a gold record holds (text with quotes, backslashes, control characters, line separators,
 * non-ASCII, emoji and lone surrogates; integers, fractions, -0, NaN and infinities; null, undefined, booleans;
 * lists, nested objects, a shared meta object), in random order and with labels of random annotators.
 */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const PIECES = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f', '\u2028', '\u2029', 'é', '中', '😀', '\ud800', '\udfff', '\udbff\udc00', '</script>', '=1+1', ','];

describe("gold-json: the CSV field of JSON.stringify's text", () => {
  const rnd = rng(20261203);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const text = () => Array.from({ length: Math.floor(rnd() * 12) }, () => pick(PIECES)).join('');
  const num = () => pick([0, -0, 1, -1, 7, 0.5, 1 / 3, 1e21, 1e-7, 123456789.125, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, rnd() * 100, Math.round(rnd() * 1e6)]);
  const scalar = (): unknown => pick([text, num, () => null, () => undefined, () => rnd() < 0.5])();
  const value = (depth = 0): unknown =>
    depth > 2 || rnd() < 0.6
      ? scalar()
      : rnd() < 0.5
        ? Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1))
        : Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [text(), value(depth + 1)]));
  const annotators = Array.from({ length: 6 }, () => ({ annotator: text(), kind: pick(['human', 'llm'] as const) }));
  const label = (): ExportLabel => {
    const a = pick(annotators);
    return { annotator: a.annotator, kind: a.kind, value: pick([() => pick(['A', 'B', 'tie', '7']), num, () => null, text])(), certainty: pick([num, () => null])(), rationale: pick([text, () => null])() };
  };
  const metas = [{ category: 'knowledge' }, { source: text(), n: num() }, { nested: { list: [1, 'x', null] } }];

  test('2,000 random gold records, their labels and their meta', () => {
    const w = goldJson();
    const keys = ['id', 'question', 'answer_a', 'answer_b', 'answers', 'options', 'reference', 'persona', 'label', 'agreement', 'n', 'source', 'posterior', 'turn', 'conversation_a', 'decided_by', '0', '1a', 'weird "key"\n'];
    for (let i = 0; i < 2000; i++) {
      const r: Record<string, unknown> = {};
      for (const k of keys) if (rnd() < 0.7) r[k] = value();
      r.labels = Array.from({ length: Math.floor(rnd() * 8) }, label);
      r.meta = pick([() => pick(metas), () => null, () => undefined, value])();
      if (rnd() < 0.3) r.posterior = num();
      const ls = r.labels as ExportLabel[];
      expect(w.labels(ls).text).toBe(csvField(JSON.stringify(ls)));
      if (r.meta !== undefined) expect(w.meta(r.meta).text).toBe(csvField(JSON.stringify(r.meta) ?? 'null'));
    }
  });

  test('labels built as gold.ts builds them', () => {
    const w = goldJson();
    const meta = { category: 'coding' };
    const labels: ExportLabel[] = [
      { annotator: 'h1', kind: 'human', value: 'A', certainty: 80, rationale: null },
      { annotator: 'judge-1', kind: 'llm', value: 'tie', certainty: 0.1 + 0.2, rationale: 'Assistant A says "yes"\n\u2028 \ud83d' },
    ];
    const r = { id: 'q1', question: 'Which? ☃', answer_a: 'x', answer_b: 'y', reference: null, persona: null, label: 'A', agreement: 0.5, n: 2, source: 'majority', labels, meta, posterior: 0.5, turn: undefined };
    expect(w.labels(r.labels).text).toBe(csvField(JSON.stringify(r.labels)));
    expect(w.labels([]).text).toBe(csvField('[]'));
    expect(w.meta(r.meta).text).toBe(csvField(JSON.stringify(r.meta)));
    expect(w.meta(r.meta).text).toBe(csvField(JSON.stringify(meta)));
  });
});

/**
 * Reading a judge's answer. Structured output is checked with zod; text is read by tolerant parsers (spacing and
 * case do not matter; the last verdict marker wins, since explanations quote the format). An answer that cannot
 * be read yields `null`: the caller stores it as an invalid label with the raw text.
 */
import { z } from 'zod';
import type { Ranking } from '../shared/ranking';
import type { JudgeTemplate, Range } from '../shared/schemas';
import { parseListwise, parseScores, structuredRanking } from './parse-ranking';

export interface Parsed {
  /**
   * In display positions for pairwise (`A` = shown first) and rankings (groups of positions from 0, best first); a
   * number for ratings; the option text for choices.
   */
  value: string | number | Ranking | null;
  certainty: number | null;
  rationale: string | null;
  /** JudgeLM: the scores read from the first line (pairwise: the two; ranking: one per display position). */
  scores?: number[];
}

const NUM = String.raw`[-+]?\d+(?:\.\d+)?`;

const verdictOf = (s: string): 'A' | 'B' | 'tie' | null => {
  const v = s.trim().toUpperCase();
  if (v === 'A' || v === '1') return 'A';
  if (v === 'B' || v === '2') return 'B';
  if (v === 'C' || v === 'TIE' || v === 'DRAW') return 'tie';
  return null;
};

/** `Certainty: [[85]]`, `Certainty: 85` or `certainty = 85/100`; with `lastBracket`, a bare trailing `[[85]]` too. */
function certaintyIn(text: string, lastBracket: boolean): number | null {
  const m = new RegExp(String.raw`certainty(?:\s+level)?\s*[:=]?\s*\[*\s*(${NUM})`, 'gi');
  let last: RegExpExecArray | null = null;
  for (let r = m.exec(text); r; r = m.exec(text)) last = r;
  if (last) return Number(last[1]);
  if (lastBracket) {
    const all = [...text.matchAll(new RegExp(String.raw`\[\[\s*(${NUM})\s*\]\]`, 'g'))];
    const tail = all[all.length - 1];
    if (tail) return Number(tail[1]);
  }
  return null;
}

/** Text before the verdict marker, as the rationale (MT-Bench judges explain first). */
const before = (text: string, index: number): string | null => text.slice(0, index).trim() || null;

/** `[[A]]`, `[[B]]`, `[[C]]` (or `[[tie]]`); a persona answer that continues a prompt ending in `[[` starts with `A]]`. */
export function parseVerdict(text: string, tie = true): Parsed {
  const markers = [...text.matchAll(/\[\[\s*(a|b|c|tie)\s*\]\]/gi)];
  let value: 'A' | 'B' | 'tie' | null = null;
  let at = -1;
  const last = markers[markers.length - 1];
  if (last) {
    value = verdictOf(last[1]!);
    at = last.index;
  } else {
    const head = /^\s*(a|b|c)\s*\]\]/i.exec(text) ?? /(?:final\s+)?verdict\s*[:=]\s*\**\s*\[?\s*(a|b|c|tie)\b/i.exec(text);
    if (head) {
      value = verdictOf(head[1]!);
      at = head.index;
    }
  }
  if (value === 'tie' && !tie) value = null;
  return { value, certainty: certaintyIn(text, !tie), rationale: at >= 0 ? before(text, at) : text.trim() || null };
}

/** `Rating: [[7]]`, `[[7]]` or `Rating: 7`; a certainty line is never taken for the score. */
export function parseRating(text: string): Parsed {
  const labelled = [...text.matchAll(new RegExp(String.raw`(?:rating|score)\s*[:=]?\s*\[\[\s*(${NUM})\s*\]\]`, 'gi'))];
  let m: RegExpMatchArray | undefined = labelled[labelled.length - 1];
  if (!m) {
    const bare = [...text.matchAll(new RegExp(String.raw`\[\[\s*(${NUM})\s*\]\]`, 'g'))].filter((b) => !/certainty(?:\s+level)?\s*[:=]?\s*$/i.test(text.slice(0, b.index)));
    m = bare[0];
  }
  if (!m) m = [...text.matchAll(new RegExp(String.raw`(?:rating|score)\s*[:=]\s*(${NUM})`, 'gi'))].pop();
  if (!m) return { value: null, certainty: certaintyIn(text, false), rationale: text.trim() || null };
  return { value: Number(m[1]), certainty: certaintyIn(text, false), rationale: before(text, m.index!) };
}

/** JudgeLM: the first non-empty line holds the two scores (`8 6`, `8, 6`); the verdict is the higher one. */
export function parseJudgeLM(text: string): Parsed {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  const m = first >= 0 ? new RegExp(String.raw`^\s*\**\s*(${NUM})\s*(?:[,;/]|\s)\s*(${NUM})\s*\**\s*$`).exec(lines[first]!) : null;
  if (!m) return { value: null, certainty: certaintyIn(text, false), rationale: text.trim() || null };
  const a = Number(m[1]);
  const b = Number(m[2]);
  const rationale = lines.slice(first + 1).join('\n').replace(/certainty\s*[:=]?\s*\[*\s*\d+(?:\.\d+)?\s*\]*\s*$/i, '').trim() || null;
  return { value: a > b ? 'A' : b > a ? 'B' : 'tie', certainty: certaintyIn(text, false), rationale, scores: [a, b] };
}

/** `[[2]]` (the option's number) or `[[the option's text]]`. */
export function parseChoice(text: string, options: string[]): Parsed {
  const markers = [...text.matchAll(/\[\[\s*([^\]]+?)\s*\]\]/g)].filter((m) => !/certainty(?:\s+level)?\s*[:=]?\s*$/i.test(text.slice(0, m.index)));
  for (const m of markers) {
    const v = optionOf(m[1]!, options);
    if (v !== null) return { value: v, certainty: certaintyIn(text, false), rationale: before(text, m.index) };
  }
  return { value: null, certainty: certaintyIn(text, false), rationale: text.trim() || null };
}

function optionOf(s: string, options: string[]): string | null {
  const t = s.trim();
  if (/^\d+$/.test(t)) return options[Number(t) - 1] ?? null;
  const exact = options.find((o) => o === t) ?? options.find((o) => o.toLowerCase() === t.toLowerCase());
  return exact ?? null;
}

const Structured = z.object({
  rationale: z.string().nullish(),
  verdict: z.union([z.string(), z.number()]).nullish(),
  score: z.union([z.number(), z.string().regex(new RegExp(`^\\s*${NUM}\\s*$`)).transform(Number)]).nullish(),
  choice: z.union([z.int(), z.string()]).nullish(),
  scores: z.array(z.number()).max(10).nullish(),
  ranking: z.array(z.union([z.int(), z.array(z.int()).max(10)])).max(10).nullish(),
  certainty: z.union([z.number(), z.string().regex(new RegExp(`^\\s*${NUM}\\s*$`)).transform(Number)]).nullish(),
});

/** Strips a Markdown code fence a model may wrap its JSON in. */
const unfence = (s: string) => s.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');

/** A structured (JSON) answer; null when it is not JSON of the expected shape. `n`: a ranking's number of answers. */
export function parseStructured(text: string, t: JudgeTemplate, options: string[], n = 0): Parsed | null {
  let json: unknown;
  try {
    json = JSON.parse(unfence(text));
  } catch {
    return null;
  }
  const r = Structured.safeParse(json);
  if (!r.success) return null;
  const o = r.data;
  let value: string | number | Ranking | null = null;
  let scores: number[] | undefined;
  if (t.parser === 'rating') value = o.score ?? null;
  else if (t.parser === 'scores') {
    const p = o.scores ? parseScores(o.scores.join(' '), n) : null;
    value = p?.value ?? null;
    scores = p?.scores;
  } else if (t.parser === 'ranking') value = o.ranking ? structuredRanking(o.ranking, n, t.tie) : null;
  else if (t.parser === 'choice') value = o.choice === undefined || o.choice === null ? null : optionOf(String(o.choice), options);
  else {
    value = o.verdict === undefined || o.verdict === null ? null : verdictOf(String(o.verdict));
    if (value === 'tie' && !t.tie) value = null;
  }
  if (value === null) return null;
  const parsed: Parsed = { value, certainty: o.certainty ?? null, rationale: o.rationale?.trim() || null };
  if (scores) parsed.scores = scores;
  return parsed;
}

/** Reads an answer by the template's text format. `n`: a ranking's number of answers. */
export function parseText(text: string, t: JudgeTemplate, options: string[], n = 0): Parsed {
  switch (t.parser) {
    case 'scores': {
      const p = parseScores(text, n);
      return { ...p, certainty: certaintyIn(text, false) };
    }
    case 'ranking':
      return { ...parseListwise(text, n, t.tie), certainty: certaintyIn(text, false) };
    case 'verdict':
      return parseVerdict(text, t.tie);
    case 'rating':
      return parseRating(text);
    case 'judgelm':
      return parseJudgeLM(text);
    case 'choice':
      return parseChoice(text, options);
  }
}

/** A certainty asked on `from` (e.g. the persona template's 1–100) restated on the project's scale `to`. */
export function rescale(c: number, from: Range, to: Range): number {
  if (from.min === to.min && from.max === to.max) return c;
  const clamped = Math.min(from.max, Math.max(from.min, c));
  return to.min + ((clamped - from.min) / (from.max - from.min)) * (to.max - to.min);
}

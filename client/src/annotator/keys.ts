/** The annotator page's keyboard: the values a rating scale offers, typed digits, the value keys and their legend. */
import { DEFAULT_SCALE } from '../../../shared/constants';
import type { SessionInfo } from '../../../shared/protocol';
import type { RatingScale } from '../../../shared/schemas';
import type { AnnotatorState } from './annotator.svelte';

/** The values of a rating scale, in order (at most 1001 of them). */
export function scaleValues(scale: RatingScale | null): number[] {
  const s = scale ?? DEFAULT_SCALE;
  const step = s.step ?? 1;
  const out: number[] = [];
  for (let k = 0; out.length <= 1000; k++) {
    const v = Math.round((s.min + k * step) * 1e9) / 1e9;
    if (v > s.max + 1e-9) break;
    out.push(v);
  }
  return out;
}

/** Digits typed in quick succession make one number (1 then 0 → 10); a pause starts again. */
export class DigitBuffer {
  private buf = '';
  private at = 0;
  constructor(private readonly windowMs = 700) {}
  push(d: string, accept: (n: number) => boolean): number | null {
    const now = performance.now();
    const joined = now - this.at < this.windowMs ? this.buf + d : d;
    this.at = now;
    if (accept(Number(joined))) {
      this.buf = joined;
      return Number(joined);
    }
    this.buf = d;
    return accept(Number(d)) ? Number(d) : null;
  }
}

export interface LegendEntry {
  keys: string[];
  what: string;
}

/** What the task on screen holds beyond its type: the keys for these are listed only when it has them. */
export interface TaskExtras {
  /** Ranking: how many answers. */
  answers?: number;
  /** A conversation with folded parts (system prompts, tool calls and results). */
  folds?: boolean;
  images?: boolean;
}

export function legend(s: SessionInfo, options: number, extras: TaskExtras = {}): LegendEntry[] {
  const p = s.project;
  const out: LegendEntry[] = [];
  if (p.type === 'pairwise') {
    out.push({ keys: ['1', 'A'], what: 'first answer is better' }, { keys: ['2', 'B'], what: 'second answer is better' }, { keys: ['3', 'T'], what: 'tie' });
  } else if (p.type === 'rating') {
    out.push({ keys: ['0–9'], what: 'type the rating' }, { keys: ['←', '→'], what: 'lower / higher' });
  } else if (p.type === 'ranking') {
    const n = extras.answers ?? 9;
    out.push(
      { keys: [n >= 10 ? '1–9, 0' : `1–${n}`], what: n >= 10 ? 'place the next best answer (0 is answer 10)' : 'place the next best answer' },
      { keys: ['T'], what: 'tie the next pick with the last (or Shift + its number)' },
      { keys: ['Backspace'], what: 'take back the last pick' },
    );
  } else {
    out.push({ keys: [options > 9 ? '1–99' : `1–${options}`], what: 'choose an option' });
  }
  if (extras.folds) out.push({ keys: ['E'], what: 'open / fold system prompts and tool calls' });
  if (extras.images) out.push({ keys: ['Z'], what: 'zoom the images (← → next, Esc closes)' });
  if (p.certainty) out.push({ keys: ['-', '='], what: 'less / more sure' });
  if (p.rationale !== 'off') out.push({ keys: ['R'], what: p.rationale === 'required' ? 'write your reason (required)' : 'write a reason (optional)' });
  out.push({ keys: ['Enter'], what: 'submit' }, { keys: ['I'], what: 'instructions' });
  return out;
}

/** What the value keys need to know. */
export interface ValueKeys {
  st: AnnotatorState;
  type: SessionInfo['project']['type'];
  ratings: number[];
  options: string[];
  digits: DigitBuffer;
  /** The key went to a range input (the rating slider handles its own arrows). */
  onRange: boolean;
}

/** Acts on a key that gives the task's value; true when it did (the caller then prevents the default). */
export function valueKey(e: KeyboardEvent, c: ValueKeys): boolean {
  const k = e.key.toLowerCase();
  if (c.type === 'pairwise') {
    const v = k === '1' || k === 'a' ? 'A' : k === '2' || k === 'b' ? 'B' : k === '3' || k === 't' ? 'tie' : null;
    if (v) c.st.choose(v);
    return v !== null;
  }
  if (c.type === 'rating') return ratingKey(e, c);
  if (c.type === 'ranking') return rankingKey(e, c.st);
  if (!/^[0-9]$/.test(e.key)) return false;
  const n = c.digits.push(e.key, (x) => x >= 1 && x <= c.options.length);
  if (n !== null) c.st.choose(c.options[n - 1]!);
  return true;
}

function ratingKey(e: KeyboardEvent, c: ValueKeys): boolean {
  const { st, ratings } = c;
  if (/^[0-9]$/.test(e.key)) {
    const n = c.digits.push(e.key, (x) => ratings.includes(x));
    if (n !== null) st.choose(n);
    else st.notice = `${e.key} is not on this scale (${ratings[0]}–${ratings[ratings.length - 1]}).`;
    return true;
  }
  if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && !c.onRange) {
    const i = st.value === null ? -1 : ratings.indexOf(st.value as number);
    const j = e.key === 'ArrowRight' ? Math.min(ratings.length - 1, i + 1) : Math.max(0, i < 0 ? ratings.length - 1 : i - 1);
    st.choose(ratings[j]!);
    return true;
  }
  return false;
}

/**
 * Ranking: a digit places that answer next (0 is answer 10), with Shift (read from the key's code, so any keyboard
 * layout works) tied with the last pick; T ties the next pick with the last; Backspace takes the last pick back.
 */
function rankingKey(e: KeyboardEvent, st: AnnotatorState): boolean {
  const pick = st.ranking;
  if (!pick) return false;
  const d = /^(?:Digit|Numpad)([0-9])$/.exec(e.code)?.[1] ?? (/^[0-9]$/.test(e.key) ? e.key : null);
  if (d !== null) {
    const pos = d === '0' ? 9 : Number(d) - 1;
    st.notice = pick.pick(pos, e.shiftKey && pick.order.length > 0);
    return true;
  }
  if (e.key === 't' || e.key === 'T') {
    if (pick.order.length === 0) st.notice = 'Place the best answer first: T then ties the next pick with it.';
    else pick.tieNext = !pick.tieNext;
    return true;
  }
  if (e.key === 'Backspace') {
    pick.undo();
    st.notice = null;
    return true;
  }
  return false;
}

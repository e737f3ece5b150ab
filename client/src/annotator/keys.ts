/** The annotator page's keyboard: the values a rating scale offers, typed digits, and the legend of keys. */
import { DEFAULT_SCALE } from '../../../shared/constants';
import type { SessionInfo } from '../../../shared/protocol';
import type { RatingScale } from '../../../shared/schemas';

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

export function legend(s: SessionInfo, options: number): LegendEntry[] {
  const p = s.project;
  const out: LegendEntry[] = [];
  if (p.type === 'pairwise') {
    out.push({ keys: ['1', 'A'], what: 'first answer is better' }, { keys: ['2', 'B'], what: 'second answer is better' }, { keys: ['3', 'T'], what: 'tie' });
  } else if (p.type === 'rating') {
    out.push({ keys: ['0–9'], what: 'type the rating' }, { keys: ['←', '→'], what: 'lower / higher' });
  } else {
    out.push({ keys: [options > 9 ? '1–99' : `1–${options}`], what: 'choose an option' });
  }
  if (p.certainty) out.push({ keys: ['-', '='], what: 'less / more sure' });
  if (p.rationale !== 'off') out.push({ keys: ['R'], what: p.rationale === 'required' ? 'write your reason (required)' : 'write a reason (optional)' });
  out.push({ keys: ['Enter'], what: 'submit' }, { keys: ['I'], what: 'instructions' });
  return out;
}

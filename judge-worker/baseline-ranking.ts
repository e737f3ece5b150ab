/**
 * The baselines' rankings (display positions from 0, best first): `first` ranks the answers in the order shown
 * (pure position bias: its first-position rate is 1), `longest` by length (alpaca_eval's `longest`, equal lengths
 * tied), `random` a uniformly random order seeded per (item, sample).
 */
import { randomPermutation, type Ranking } from '../shared/ranking';
import { rankByScores } from './parse-ranking';

/** mulberry32 (Tommy Ettinger's 32-bit generator): a seeded source in [0, 1) for the random baseline's shuffle. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `which` is the baseline's name after `baseline:`; `r` in [0, 1) its seed for this task. */
export function rankingBaseline(which: string, answers: readonly string[], r: number): Ranking {
  if (which === 'first') return answers.map((_, i) => [i]);
  if (which === 'random') return randomPermutation(answers.length, mulberry32(Math.floor(r * 2 ** 32))).map((i) => [i]);
  return rankByScores(answers.map((a) => a.length));
}

/**
 * The baselines' rankings (display positions from 0, best first): `first` ranks the answers in the order shown
 * (pure position bias: its first-position rate is 1), `longest` by length (alpaca_eval's `longest`, equal lengths
 * tied), `random` a uniformly random order seeded per (item, sample).
 */
import { randomPermutation, type Ranking } from '../shared/ranking';
import { mulberry32 } from '../shared/stats/random';
import { rankByScores } from './parse-ranking';

/** `which` is the baseline's name after `baseline:`; `r` in [0, 1) its seed for this task. */
export function rankingBaseline(which: string, answers: readonly string[], r: number): Ranking {
  if (which === 'first') return answers.map((_, i) => [i]);
  if (which === 'random') return randomPermutation(answers.length, mulberry32(Math.floor(r * 2 ** 32))).map((i) => [i]);
  return rankByScores(answers.map((a) => a.length));
}

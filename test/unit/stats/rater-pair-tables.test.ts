/**
 * raterPairs takes one of two routes to the same tables: one pass filling a table per pair (few pairs × categories²,
 * the usual report) or co-ratings grouped by pair first (many). Both must give the same pairs, counts and kappas:
 * here on a seeded data set big enough (60 raters, 50 categories: 1,770 pairs × 2,500 cells) for raterPairs to
 * take the grouped route, against the one-pass route called directly.
 */
import { raterPairs } from '../../../shared/stats/agreement';
import { mulberry32 } from '../../../shared/stats/random';
import { raterPairsByTables } from '../../../shared/stats/rater-pair-tables';
import { ratingsFromCoded } from '../../../shared/stats/ratings';

test('the grouped route and the one-pass tables give the same rater pairs', () => {
  const rng = mulberry32(7);
  const raters = 60;
  const units = 2000;
  const categories = Array.from({ length: 50 }, (_, i) => i + 1);
  const unit: number[] = [];
  const rater: number[] = [];
  const code: number[] = [];
  for (let u = 0; u < units; u++) {
    const truth = Math.floor(rng() * 50);
    const picked = new Set<number>();
    while (picked.size < 5) picked.add(Math.floor(rng() * raters));
    for (const h of picked) {
      unit.push(u);
      rater.push(h);
      code.push(rng() < 0.6 ? truth : Math.floor(rng() * 50));
    }
  }
  const r = ratingsFromCoded(categories, units, raters, Int32Array.from(unit), Int32Array.from(rater), Int32Array.from(code));
  const grouped = raterPairs(r, { weighted: true });
  const tables = raterPairsByTables(r, { weighted: true });
  expect(grouped.length).toBeGreaterThan(1500);
  expect(tables).toEqual(grouped);
});

/** Places in a ranking as a reader says them: 1st, 2nd, =2nd for a tie. */
import type { Ranking } from '../../../../shared/ranking';

export const ordinal = (n: number): string => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
};

/**
 * Each answer's place (1 = best) and whether it shares it, from groups best first: `[[2],[0,1]]` puts answer 2 1st
 * and answers 0 and 1 =2nd. Answers the ranking does not name are absent from the map.
 */
export function placesOf(groups: Ranking): Map<number, { place: number; tied: boolean }> {
  const out = new Map<number, { place: number; tied: boolean }>();
  let place = 1;
  for (const g of groups) {
    for (const i of g) out.set(i, { place, tied: g.length > 1 });
    place += g.length;
  }
  return out;
}

/** "1st", "=2nd". */
export const placeText = (p: { place: number; tied: boolean }): string => `${p.tied ? '=' : ''}${ordinal(p.place)}`;

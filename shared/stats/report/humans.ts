/**
 * The report's `humans` section: agreement among the human annotators (percent agreement, Fleiss' kappa,
 * Krippendorff's alpha at every level the data allows, Gwet's AC1, each pair's Cohen's kappa), their majority and
 * their length bias. Each statistic's source is on its function in ../agreement.ts.
 */
import { chanceTerms, fleissKappa, gwetAC1, krippendorffAlpha, meanPairAgreement, raterPairs } from '../agreement';
import { NO_KEYS, NO_MEMO, type Memo, type SectionKeys } from './cache';
import { labelsOf, type Coded } from './coded';
import { num, type ReportJson } from './json';
import { lengthBiasCountsFor, lengthBiasJson } from './length-bias';

/**
 * The section; through `memo` (./cache.ts), each human's length-bias counts are kept while its labels (their count)
 * and the coding and options (`keys.own`) stay the same: the humans' length bias reads every human label, not
 * only the ratings, and its counts add up human by human.
 */
export function humansSection(c: Coded, memo: Memo = NO_MEMO, keys: SectionKeys = NO_KEYS): ReportJson['humans'] {
  const { hr, majority, humanIds } = c;
  const pairs = raterPairs(hr, { weighted: c.rating });
  const terms = chanceTerms(hr);
  return {
    annotators: humanIds.length,
    percent_agreement: num(meanPairAgreement(pairs)),
    fleiss_kappa: num(fleissKappa(hr, terms)),
    krippendorff_alpha: alphas(c),
    gwet_ac1: num(gwetAC1(hr, terms)),
    pairs: pairs.map((p) => ({
      a: humanIds[p.a]!,
      b: humanIds[p.b]!,
      n: p.n,
      n_items: p.n,
      percent_agreement: num(p.percentAgreement),
      cohen_kappa: num(p.cohenKappa),
      ...(p.weightedKappa
        ? { weighted_kappa: { linear: num(p.weightedKappa.linear), quadratic: num(p.weightedKappa.quadratic) } }
        : {}),
    })),
    majority: {
      items: majority.decided,
      tied: majority.tied,
      counts: c.categories.map((value, k) => ({ value, items: majority.counts[k]! })).filter((x) => x.items > 0 || c.domain.includes(x.value)),
    },
    length_bias: humansLengthBias(c, memo, keys),
  };
}

/** The length bias of every human label: the humans' counts added up (null outside pairwise projects or without lengths). */
function humansLengthBias(c: Coded, memo: Memo, keys: SectionKeys): ReportJson['humans']['length_bias'] {
  if (!c.lenA || !c.lenB) return null;
  let n = 0;
  let longer = 0;
  c.annotators.forEach((_, a) => {
    if (c.humanRater[a]! < 0) return;
    const mine = labelsOf(c, a);
    const counts = memo.get(`human-length-bias:${a}`, `${keys.own}|${mine.length}`, () => lengthBiasCountsFor(c, mine))!;
    n += counts.n;
    longer += counts.longer;
  });
  return lengthBiasJson({ n, longer });
}

/** Krippendorff's alpha: nominal always; ordinal and interval for numeric ratings, ratio when none is negative. */
function alphas(c: Coded): ReportJson['humans']['krippendorff_alpha'] {
  const alpha: ReportJson['humans']['krippendorff_alpha'] = { nominal: num(krippendorffAlpha(c.hr, 'nominal')) };
  if (c.numericRatings) {
    alpha.ordinal = num(krippendorffAlpha(c.hr, 'ordinal'));
    alpha.interval = num(krippendorffAlpha(c.hr, 'interval'));
    if ((c.categories as readonly number[]).every((v) => v >= 0)) alpha.ratio = num(krippendorffAlpha(c.hr, 'ratio'));
  }
  return alpha;
}

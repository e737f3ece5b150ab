/**
 * The report's `humans` section: agreement among the human annotators (percent agreement, Fleiss' kappa,
 * Krippendorff's alpha at every level the data allows, Gwet's AC1, each pair's Cohen's kappa), their majority and
 * their length bias. Each statistic's source is on its function in ../agreement.ts.
 */
import { fleissKappa, gwetAC1, krippendorffAlpha, meanPairAgreement, raterPairs } from '../agreement';
import type { Coded } from './coded';
import { num, type ReportJson } from './json';
import { lengthBiasFor } from './length-bias';

export function humansSection(c: Coded): ReportJson['humans'] {
  const { hr, majority, humanIds } = c;
  const pairs = raterPairs(hr, { weighted: c.rating });
  const { n, humanRater } = c.labels;
  const humanLabels = new Int32Array(c.labels.humanLabels);
  for (let i = 0, h = 0; i < n; i++) if (humanRater[i]! >= 0) humanLabels[h++] = i;
  return {
    annotators: humanIds.length,
    percent_agreement: num(meanPairAgreement(pairs)),
    fleiss_kappa: num(fleissKappa(hr)),
    krippendorff_alpha: alphas(c),
    gwet_ac1: num(gwetAC1(hr)),
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
    length_bias: lengthBiasFor(c, humanLabels),
  };
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

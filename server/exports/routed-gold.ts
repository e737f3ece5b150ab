/**
 * Who decided a gold record under escalation (issue 13, part 2; server/assignment/router.ts): an item a cascade
 * judge's verdict decided carries that verdict as its label (`source: "judge"`), unless a researcher adjudicated it
 * or it has gold; every record of an escalating project says `decided_by` (`judge` or `humans`) and, for a judge,
 * which one, at what certainty and against which certified threshold.
 */
import type { Category } from '../../shared/stats/ratings';
import { oneVote } from '../../shared/stats/votes';
import type { GoldRecord } from '../../shared/views';
import type { ExportItemRow } from './exports.repo';
import type { Decided, ExportLabel } from './ranking-gold';

/** A judge's accepted verdict on an item, as the live router holds it. */
export interface JudgeDecision {
  judge: number;
  certainty: number;
  threshold: number;
}

/** The decisions of an escalating project by item id (null for a project that does not escalate). */
export type DecisionOf = (itemId: number) => JudgeDecision | null;

/** The record's label from the judge's verdict, when a judge decided the item and nothing outranks it; else null. */
export function judgeDecided(it: ExportItemRow, all: readonly ExportLabel[], d: JudgeDecision | null, judgeKey: string | undefined, pairwise: boolean): { decided: Decided; labels: ExportLabel[] } | null {
  if (!d || it.adj_value !== null || it.gold !== null || judgeKey === undefined) return null;
  const mine = all.filter((l) => l.kind === 'llm' && l.annotator === judgeKey && l.value !== null);
  const label = oneVote(mine.map((l) => l.value as Category), pairwise);
  if (label === null) return null;
  return { decided: { label, source: 'judge', posterior: null, agreement: null, n: 1 }, labels: mine };
}

/** The `decided_*` fields of a record of an escalating project. */
export function decidedFields(d: JudgeDecision | null, judgeKey: string | undefined, byJudge: boolean): Pick<GoldRecord, 'decided_by' | 'decided_judge' | 'decided_certainty' | 'decided_threshold'> {
  return byJudge && d
    ? { decided_by: 'judge', decided_judge: judgeKey ?? null, decided_certainty: d.certainty, decided_threshold: d.threshold }
    : { decided_by: 'humans', decided_judge: null, decided_certainty: null, decided_threshold: null };
}

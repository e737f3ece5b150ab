/**
 * The export panel's choices as the export route's query (`GET /api/projects/:id/export`, README "Exports" and
 * "Training data out"): which kinds a project can take, what each option applies to, and the file's URL.
 */
import { EXPORT_FORMATS, EXPORT_KINDS } from '../../../shared/constants';
import type { TaskType } from '../../../shared/schemas';

export type ExportKind = (typeof EXPORT_KINDS)[number];
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The judge-training kinds: pairwise projects only (the server refuses them for any other type). */
export const TRAINING_KINDS: readonly ExportKind[] = ['sft', 'dpo', 'preference'];

/** One line per kind, for the person choosing. */
export const KIND_TEXT: Record<ExportKind, { label: string; line: string }> = {
  gold: { label: 'Gold set', line: "One record per item with its consensus label: your adjudication, else the item's gold, else the votes' majority." },
  labels: { label: 'All labels', line: 'Every label, human and judge, with where it came from; re-imports as it is.' },
  sft: { label: 'SFT (judge fine-tuning)', line: "JudgeLM-style examples: the judge prompt, then the reference verdict with a rationale as the assistant's answer." },
  dpo: { label: 'DPO (judgment pairs)', line: "Where a judge's samples disagree: a judgment that matches the reference (chosen) and one that does not (rejected)." },
  preference: { label: 'Preference (reward model)', line: "The humans' consensus as prompt, chosen and rejected answers; ties left out." },
};

export const FORMAT_TEXT: Record<ExportFormat, string> = { jsonl: 'JSONL', csv: 'CSV', parquet: 'Parquet' };

/**
 * The built-in pairwise templates whose answer is a verdict ([[A]]/[[B]]/[[C]]): the ones the training exports
 * render prompts with (server/exports/training.ts refuses any other). Their definitions live in judge-worker/, which
 * the browser cannot load (zod); test/e2e/dashboard-training-export.test.ts checks this list against them.
 */
export const VERDICT_TEMPLATES = ['pairwise', 'persona', 'pairwise-multi-turn', 'pairwise-multi-turn-reference'] as const;

export interface ExportChoice {
  kind: ExportKind;
  format: ExportFormat;
  minLabels: number;
  minAgreement: number;
  includeLlm: boolean;
  /** sft, dpo: a built-in verdict template, '' for each item's default. */
  template: string;
  /** sft: every item in both orders. */
  swap: boolean;
  /** sft, dpo: the item's reference answer in the prompt. */
  referenceAnswer: boolean;
}

/** The kinds a project of this type can export. */
export const kindsFor = (type: TaskType): ExportKind[] => EXPORT_KINDS.filter((k) => type === 'pairwise' || !TRAINING_KINDS.includes(k));

/** Which options a kind reads: the consensus's bars (every kind checked against a reference), and the prompt's. */
export function appliesTo(kind: ExportKind) {
  return {
    consensus: kind !== 'labels',
    template: kind === 'sft' || kind === 'dpo',
    swap: kind === 'sft',
    referenceAnswer: kind === 'sft' || kind === 'dpo',
  };
}

/** The export's path and query, each option given only where the kind reads it and it differs from the default (a field left empty: the default). */
export function exportPath(projectId: number, c: ExportChoice): string {
  const q = new URLSearchParams({ kind: c.kind, format: c.format });
  const a = appliesTo(c.kind);
  if (a.consensus) {
    if (Number.isFinite(c.minLabels) && c.minLabels !== 1) q.set('min_labels', String(c.minLabels));
    if (Number.isFinite(c.minAgreement) && c.minAgreement !== 0) q.set('min_agreement', String(c.minAgreement));
    if (c.includeLlm) q.set('include_llm', '1');
  }
  if (a.template && c.template) q.set('template', c.template);
  if (a.swap && c.swap) q.set('swap', '1');
  if (a.referenceAnswer && !c.referenceAnswer) q.set('reference_answer', '0');
  return `/api/projects/${projectId}/export?${q}`;
}

export const exportFilename = (projectId: number, c: ExportChoice) => `project-${projectId}-${c.kind}.${c.format}`;

/**
 * The project settings form's values, shared by the create form and the Settings tab: how a project fills the
 * form, how the form becomes a request body, and how the server's per-field errors land by each field.
 */
import type { Project, RationaleMode, TaskType } from '../../../shared/schemas';
import { ServerError } from '../lib/errors';

/** What the inputs hold. Numbers bound to an empty `<input type="number">` come back as null. */
export interface ProjectForm {
  name: string;
  type: TaskType;
  redundancy: number | null;
  /** Choice options, one per line. */
  options: string;
  scaleMin: number | null;
  scaleMax: number | null;
  scaleStep: number | null;
  certainty: boolean;
  certMin: number | null;
  certMax: number | null;
  rationale: RationaleMode;
  instructions: string;
  goldRate: number | null;
  maxPer: number | null;
  showReference: boolean;
  leaseHuman: number | null;
  leaseLlm: number | null;
  completionCode: string;
  redirectUrl: string;
  /** The study title annotators see; blank shows them the name. */
  publicTitle: string;
  /** Whether the gold-check bar is on, and its settings. */
  qualification: boolean;
  qualMinChecks: number | null;
  qualMinAccuracy: number | null;
  qualCode: 'give' | 'withhold';
}

/** A new project's form, with the server's defaults. */
export function blankForm(): ProjectForm {
  return {
    name: '',
    type: 'pairwise',
    redundancy: 3,
    options: '',
    scaleMin: 1,
    scaleMax: 10,
    scaleStep: 1,
    certainty: false,
    certMin: 1,
    certMax: 100,
    rationale: 'optional',
    instructions: '',
    goldRate: 0,
    maxPer: null,
    showReference: true,
    leaseHuman: 600,
    leaseLlm: 120,
    completionCode: '',
    redirectUrl: '',
    publicTitle: '',
    qualification: false,
    qualMinChecks: 5,
    qualMinAccuracy: 0.7,
    qualCode: 'give',
  };
}

/** An existing project's settings as the form shows them. */
export function formOf(p: Project): ProjectForm {
  return {
    name: p.name,
    type: p.type,
    redundancy: p.redundancy,
    options: (p.options ?? []).join('\n'),
    scaleMin: p.scale?.min ?? 1,
    scaleMax: p.scale?.max ?? 10,
    scaleStep: p.scale?.step ?? null,
    certainty: p.certainty !== null,
    certMin: p.certainty?.min ?? 1,
    certMax: p.certainty?.max ?? 100,
    rationale: p.rationale,
    instructions: p.instructions,
    goldRate: p.gold_rate,
    maxPer: p.max_per_annotator,
    showReference: p.show_reference,
    leaseHuman: p.lease_seconds.human,
    leaseLlm: p.lease_seconds.llm,
    completionCode: p.completion_code ?? '',
    redirectUrl: p.redirect_url ?? '',
    publicTitle: p.public_title ?? '',
    qualification: p.qualification !== null,
    qualMinChecks: p.qualification?.min_checks ?? 5,
    qualMinAccuracy: p.qualification?.min_accuracy ?? 0.7,
    qualCode: p.qualification?.completion_code ?? 'give',
  };
}

/**
 * The request body for `POST /api/projects` (`create`) or `PATCH /api/projects/:id` (`edit`). Blank optional
 * fields are left out of a new project but sent as null on an edit, so clearing a field clears the setting.
 * Values go to the server as typed: it is the one that says what is wrong, by field.
 */
export function bodyOf(f: ProjectForm, mode: 'create' | 'edit'): Record<string, unknown> {
  const blank = mode === 'create' ? undefined : null;
  const options = f.options.split('\n').map((o) => o.trim()).filter(Boolean);
  const body: Record<string, unknown> = {
    name: f.name,
    redundancy: f.redundancy,
    rationale: f.rationale,
    instructions: f.instructions,
    gold_rate: f.goldRate,
    show_reference: f.showReference,
    lease_seconds: { human: f.leaseHuman, llm: f.leaseLlm },
    certainty: f.certainty ? { min: f.certMin, max: f.certMax } : false,
    max_per_annotator: f.maxPer ?? blank,
    completion_code: f.completionCode.trim() || blank,
    redirect_url: f.redirectUrl.trim() || blank,
    public_title: f.publicTitle.trim() || blank,
    qualification: f.qualification ? { min_checks: f.qualMinChecks, min_accuracy: f.qualMinAccuracy, completion_code: f.qualCode } : blank,
  };
  if (mode === 'create') body.type = f.type;
  if (f.type === 'choice') body.options = options.length ? options : blank;
  if (f.type === 'rating') body.scale = { min: f.scaleMin, max: f.scaleMax, ...(f.scaleStep != null ? { step: f.scaleStep } : {}) };
  return body;
}

/** The server's per-field messages, keyed by the top-level field (`lease_seconds.human` → `lease_seconds`). */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ServerError)) return out;
  for (const d of err.body.details ?? []) {
    const key = d.field?.split('.')[0];
    if (key && !(key in out)) out[key] = d.message;
  }
  return out;
}

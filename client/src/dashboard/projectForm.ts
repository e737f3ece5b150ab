/**
 * The project settings form's values, shared by the create form and the Settings tab: how a project fills the
 * form, how the form becomes a request body, and how the server's per-field errors land by each field.
 */
import { DEFAULT_AGGREGATION, DEFAULT_CERTAINTY, DEFAULT_LEASE_SECONDS, DEFAULT_REDUNDANCY, DEFAULT_SCALE } from '../../../shared/constants';
import type { RedundancyStop } from '../../../shared/redundancy';
import type { RationaleMode, TaskType } from '../../../shared/schemas';
import type { AggregationMethod } from '../../../shared/stats/crowd/types';
import type { Project } from '../../../shared/views';
import { ServerError } from '../lib/errors';

/** What the inputs hold. Numbers bound to an empty `<input type="number">` come back as null. */
export interface ProjectForm {
  name: string;
  type: TaskType;
  /** A fixed number of human labels per item (the input shown unless `adaptive`). */
  redundancy: number | null;
  /**
   * Adaptive redundancy (issue 13): `redMin` labels per item, more one at a time up to `redMax` until they all
   * agree (`redStop` unanimous) or the item's posterior under the project's aggregation reaches `redPosterior`.
   */
  adaptive: boolean;
  redMin: number | null;
  redMax: number | null;
  redStop: RedundancyStop;
  redPosterior: number | null;
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
  /** How the report and the gold export reach an item's consensus label. */
  aggregation: AggregationMethod;
}

/** The gold-check bar the form offers when a researcher turns it on (the server has no default: it is off). */
const SUGGESTED_BAR = { min_checks: 5, min_accuracy: 0.7 };

/** The bounds the form offers when a researcher turns adaptive redundancy on. */
const ADAPTIVE_SUGGESTED = { min: 2, max: 5, posterior: 0.95 };

/** A new project's form, with the server's defaults. */
export function blankForm(): ProjectForm {
  return {
    name: '',
    type: 'pairwise',
    redundancy: DEFAULT_REDUNDANCY,
    adaptive: false,
    redMin: ADAPTIVE_SUGGESTED.min,
    redMax: ADAPTIVE_SUGGESTED.max,
    redStop: 'unanimous',
    redPosterior: ADAPTIVE_SUGGESTED.posterior,
    options: '',
    scaleMin: DEFAULT_SCALE.min,
    scaleMax: DEFAULT_SCALE.max,
    scaleStep: DEFAULT_SCALE.step,
    certainty: false,
    certMin: DEFAULT_CERTAINTY.min,
    certMax: DEFAULT_CERTAINTY.max,
    rationale: 'optional',
    instructions: '',
    goldRate: 0,
    maxPer: null,
    showReference: true,
    leaseHuman: DEFAULT_LEASE_SECONDS.human,
    leaseLlm: DEFAULT_LEASE_SECONDS.llm,
    completionCode: '',
    redirectUrl: '',
    publicTitle: '',
    qualification: false,
    qualMinChecks: SUGGESTED_BAR.min_checks,
    qualMinAccuracy: SUGGESTED_BAR.min_accuracy,
    qualCode: 'give',
    aggregation: DEFAULT_AGGREGATION,
  };
}

/** An existing project's settings as the form shows them. */
export function formOf(p: Project): ProjectForm {
  return {
    name: p.name,
    type: p.type,
    redundancy: typeof p.redundancy === 'number' ? p.redundancy : p.redundancy.max,
    adaptive: typeof p.redundancy !== 'number',
    redMin: typeof p.redundancy === 'number' ? ADAPTIVE_SUGGESTED.min : p.redundancy.min,
    redMax: typeof p.redundancy === 'number' ? Math.max(p.redundancy, ADAPTIVE_SUGGESTED.min) : p.redundancy.max,
    redStop: typeof p.redundancy === 'number' ? 'unanimous' : p.redundancy.stop,
    redPosterior: (typeof p.redundancy === 'number' ? undefined : p.redundancy.posterior) ?? ADAPTIVE_SUGGESTED.posterior,
    options: (p.options ?? []).join('\n'),
    scaleMin: p.scale?.min ?? DEFAULT_SCALE.min,
    scaleMax: p.scale?.max ?? DEFAULT_SCALE.max,
    scaleStep: p.scale?.step ?? null,
    certainty: p.certainty !== null,
    certMin: p.certainty?.min ?? DEFAULT_CERTAINTY.min,
    certMax: p.certainty?.max ?? DEFAULT_CERTAINTY.max,
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
    qualMinChecks: p.qualification?.min_checks ?? SUGGESTED_BAR.min_checks,
    qualMinAccuracy: p.qualification?.min_accuracy ?? SUGGESTED_BAR.min_accuracy,
    qualCode: p.qualification?.completion_code ?? 'give',
    aggregation: p.aggregation,
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
    redundancy: f.adaptive ? { min: f.redMin, max: f.redMax, stop: f.redStop, ...(f.redStop === 'posterior' ? { posterior: f.redPosterior } : {}) } : f.redundancy,
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
    aggregation: f.aggregation,
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

/**
 * Zod schemas for everything that crosses a boundary: REST bodies, import records and socket payloads.
 * The TypeScript types are inferred from them, so there is one definition of each contract.
 */
import { z } from 'zod';
import {
  AGGREGATION_METHODS,
  ANNOTATOR_KINDS,
  API_KEY_VARIABLE,
  DEFAULT_AGGREGATION,
  DEFAULT_REDUNDANCY,
  LIMITS,
  PAIRWISE_VALUES,
  QUALIFICATION_NEEDS_GOLD,
  RATIONALE_MODES,
  SHOWN_ORDERS,
  TASK_TYPES,
} from './constants';
import { issueMessage } from './zod-messages';
import { ExternalId, Options, RankingValue } from './item-schemas';
import { Redundancy } from './redundancy-schema';
import { RoutingSetting } from './routing-schema';

/** Messages a person can act on, for every schema that does not set its own (shared/zod-messages.ts). */
z.config({ customError: issueMessage });

export const TaskType = z.enum(TASK_TYPES);
export type TaskType = z.infer<typeof TaskType>;

export const PairwiseValue = z.enum(PAIRWISE_VALUES);
export type PairwiseValue = z.infer<typeof PairwiseValue>;

export const Order = z.enum(SHOWN_ORDERS);
export type Order = z.infer<typeof Order>;

/** How a consensus label is reached: plurality, Dawid–Skene or MACE (shared/stats/crowd). */
export const AggregationMethod = z.enum(AGGREGATION_METHODS);

export const AnnotatorKind = z.enum(ANNOTATOR_KINDS);
export type AnnotatorKind = z.infer<typeof AnnotatorKind>;

const finite = z.number().refine(Number.isFinite, { error: 'must be a finite number' });

/** A closed numeric interval, e.g. a rating scale or a certainty scale. */
export const Range = z
  .strictObject({ min: finite, max: finite })
  .refine((r) => r.min < r.max, { error: 'min must be below max' });
export type Range = z.infer<typeof Range>;

export const RatingScale = z
  .strictObject({ min: finite, max: finite, step: z.number().positive().optional() })
  .refine((r) => r.min < r.max, { error: 'min must be below max' });
export type RatingScale = z.infer<typeof RatingScale>;

export const RationaleMode = z.enum(RATIONALE_MODES);
export type RationaleMode = z.infer<typeof RationaleMode>;

const leaseSeconds = z.int().min(1).max(LIMITS.leaseSeconds);
/** A change to a project's lease times: either may be left out (it keeps its value, or the default). */
const LeaseSecondsChange = z.strictObject({ human: leaseSeconds.optional(), llm: leaseSeconds.optional() });

/** Settings of a project that a researcher may change after creation (everything but the type). */
export const ProjectSettingsShape = {
  name: z.string().trim().min(1, { error: 'name cannot be empty' }).max(LIMITS.nameChars),
  /** Human labels per item: a fixed number, or adaptive `{ min, max, stop }` (docs/decisions/0010). */
  redundancy: Redundancy,
  options: Options.nullable(),
  scale: RatingScale.nullable(),
  /** `true` turns certainty on with the default 1–100 scale; `false`/`null` turns it off. */
  certainty: z.union([z.boolean(), Range]).nullable(),
  rationale: RationaleMode,
  instructions: z.string().max(LIMITS.instructionsChars),
  /** Share of tasks (0–1) drawn from gold items as quality checks while any remain. */
  gold_rate: z.number().min(0).max(1),
  /** Most items one human may label in this project (crowd studies cap this); null for no cap. */
  max_per_annotator: z.int().min(1).nullable(),
  /** Whether human annotators see an item's reference answer. */
  show_reference: z.boolean(),
  lease_seconds: z.strictObject({ human: leaseSeconds, llm: leaseSeconds }),
  completion_code: z.string().max(LIMITS.nameChars).nullable(),
  redirect_url: z.url().nullable(),
  /** The study title annotators see (the project's `name` is the researcher's own); null shows the name. */
  public_title: z.string().trim().min(1).max(LIMITS.nameChars).nullable(),
  /** Quality acts: stop serving a human whose gold-check accuracy falls below the bar; null for no bar. */
  qualification: z
    .strictObject({
      /** Gold checks a human must have answered before the bar applies. */
      min_checks: z.int().min(1).max(LIMITS.qualificationChecks),
      /** Least share (0–1) of gold checks answered right. */
      min_accuracy: z.number().min(0).max(1),
      /** Whether a human stopped by the bar still gets the completion code for the work done. */
      completion_code: z.enum(['give', 'withhold']).default('give'),
    })
    .nullable(),
  /** The consensus method of the gold export and the report, unless a request names another (`?method=`). */
  aggregation: AggregationMethod,
  /** Judges first and humans where they are unsure (`escalate`), or side by side (`parallel`, null): shared/routing.ts. */
  routing: RoutingSetting.nullable(),
};

export const ProjectCreate = z
  .strictObject({
    name: ProjectSettingsShape.name,
    type: TaskType,
    redundancy: ProjectSettingsShape.redundancy.default(DEFAULT_REDUNDANCY),
    options: ProjectSettingsShape.options.optional(),
    scale: ProjectSettingsShape.scale.optional(),
    certainty: ProjectSettingsShape.certainty.optional(),
    rationale: ProjectSettingsShape.rationale.default('off'),
    instructions: ProjectSettingsShape.instructions.default(''),
    gold_rate: ProjectSettingsShape.gold_rate.default(0),
    max_per_annotator: ProjectSettingsShape.max_per_annotator.optional(),
    show_reference: ProjectSettingsShape.show_reference.default(true),
    lease_seconds: LeaseSecondsChange.optional(),
    completion_code: ProjectSettingsShape.completion_code.optional(),
    redirect_url: ProjectSettingsShape.redirect_url.optional(),
    public_title: ProjectSettingsShape.public_title.optional(),
    qualification: ProjectSettingsShape.qualification.optional(),
    aggregation: ProjectSettingsShape.aggregation.default(DEFAULT_AGGREGATION),
    routing: ProjectSettingsShape.routing.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.type !== 'rating' && p.scale) ctx.addIssue({ code: 'custom', path: ['scale'], message: 'a scale applies only to rating projects' });
    if (p.type !== 'choice' && p.options) ctx.addIssue({ code: 'custom', path: ['options'], message: 'options apply only to choice projects' });
    if (p.qualification && !(p.gold_rate > 0)) ctx.addIssue({ code: 'custom', path: ['qualification'], message: QUALIFICATION_NEEDS_GOLD });
  });
export type ProjectCreate = z.input<typeof ProjectCreate>;

export const ProjectPatch = z
  .strictObject({
    name: ProjectSettingsShape.name,
    redundancy: ProjectSettingsShape.redundancy,
    options: ProjectSettingsShape.options,
    scale: ProjectSettingsShape.scale,
    certainty: ProjectSettingsShape.certainty,
    rationale: ProjectSettingsShape.rationale,
    instructions: ProjectSettingsShape.instructions,
    gold_rate: ProjectSettingsShape.gold_rate,
    max_per_annotator: ProjectSettingsShape.max_per_annotator,
    show_reference: ProjectSettingsShape.show_reference,
    lease_seconds: LeaseSecondsChange,
    completion_code: ProjectSettingsShape.completion_code,
    redirect_url: ProjectSettingsShape.redirect_url,
    public_title: ProjectSettingsShape.public_title,
    qualification: ProjectSettingsShape.qualification,
    aggregation: ProjectSettingsShape.aggregation,
    routing: ProjectSettingsShape.routing,
  })
  .partial();
export type ProjectPatch = z.infer<typeof ProjectPatch>;

// ---------------------------------------------------------------------------------------------
// Import records (items: shared/item-schemas.ts)

export {
  ExternalId,
  ITEM_RECORD,
  PairwiseItemRecord,
  RatingItemRecord,
  ChoiceItemRecord,
  RankingItemRecord,
  RankingValue,
  ChatTurnRecord,
  ImageEntry,
} from './item-schemas';
export type { ItemRecord } from './item-schemas';

const optText = z.string().optional().nullable();

/** A provenance field the labels export writes: accepted on import (so an export re-imports as it is), not stored. */
const exportedProvenance = z.union([z.string(), z.number(), z.boolean()]).optional().nullable();

/** An existing label brought in from elsewhere (human or LLM). */
export const LabelRecord = z.strictObject({
  item: ExternalId,
  annotator: z.string().trim().min(1, { error: 'annotator cannot be empty' }).max(200),
  kind: AnnotatorKind.default('human'),
  /** Ranking: answer indexes best first in the item's own order (ties as groups), or that list as JSON text. */
  value: z.union([z.string(), z.number(), RankingValue]).nullable(),
  certainty: z.number().optional().nullable(),
  /** Ranking: the order the answers were shown in (the item's answer index at each position), when known. */
  permutation: z.array(z.int().min(0)).max(10).optional().nullable(),
  /** Ranking: a score per answer, in the item's own order. */
  scores: z.array(z.number()).max(10).optional().nullable(),
  rationale: optText,
  order: Order.optional().nullable(),
  sample: z.int().min(0).max(10_000).default(0),
  /** Seconds the annotator took, when the source recorded it. */
  seconds: z.number().min(0).optional().nullable(),
  /** When it was labelled (ISO 8601); defaults to the import time. */
  created_at: z.iso.datetime({ offset: true }).optional().nullable(),
  /**
   * Provenance the labels export writes (excluded flag, a judge's model/template/raw output/tokens/latency, a
   * human's join link and crowd study/session), so an export re-imports as it is: accepted and not stored.
   */
  excluded: exportedProvenance,
  model: exportedProvenance,
  template: exportedProvenance,
  template_version: exportedProvenance,
  raw_output: exportedProvenance,
  prompt_tokens: exportedProvenance,
  completion_tokens: exportedProvenance,
  latency_ms: exportedProvenance,
  invite_id: exportedProvenance,
  study_id: exportedProvenance,
  session_id: exportedProvenance,
});
export type LabelRecord = z.infer<typeof LabelRecord>;

// ---------------------------------------------------------------------------------------------
// Judges (an LLM annotator's registration; the worker that runs it reads these settings)

export const JudgeCreate = z.strictObject({
  name: z.string().trim().min(1).max(LIMITS.nameChars).optional(),
  model: z.string().trim().min(1).max(300),
  template: z.string().trim().min(1).max(200).optional(),
  swap: z.boolean().default(false),
  samples: z.int().min(1).max(LIMITS.judgeSamples).default(1),
  temperature: z.number().min(0).max(LIMITS.judgeTemperature).optional(),
  max_tokens: z.int().min(1).max(1_000_000).optional(),
  structured: z.boolean().optional(),
  base_url: z.url().optional(),
  /**
   * The environment variable holding the endpoint's key, for runs inside the server. Only names ending in
   * `_API_KEY` are accepted, so a registration cannot make the server send another secret to an endpoint.
   */
  api_key_env: z
    .string()
    .regex(API_KEY_VARIABLE, { error: 'api_key_env must name a variable ending in _API_KEY (e.g. OPENAI_API_KEY): the server reads no other' })
    .optional(),
  concurrency: z.int().min(1).max(LIMITS.judgeConcurrency).default(8),
  /** One more request, asking the model to restate its answer in the required format, when an output cannot be read. */
  repair: z.boolean().optional(),
  /** Sent to the endpoint as `seed`; also seeds `baseline:random`. */
  seed: z.int().optional(),
  /** Seconds before one request to the model is abandoned (and retried). */
  timeout_seconds: z.number().positive().max(3600).optional(),
  /** US dollars per million tokens, for the cost in the judge's summary and listing. */
  price: z.strictObject({ input: z.number().min(0), output: z.number().min(0) }).optional(),
  /** A template of the judge's own (from a file); `template` then names it. */
  prompt: z.lazy(() => JudgeTemplate).optional(),
});
export type JudgeCreate = z.infer<typeof JudgeCreate>;

const J = JudgeCreate.shape;
/**
 * A researcher's change to a registered judge (`PATCH /api/projects/:id/judges/:judge`): any field of
 * {@link JudgeCreate} (`null` clears an optional one), and `archived` to set it aside (labels kept, left out of the
 * report, plots and gold; its token refused) or restore it. A run reads the registration when it starts; `swap`,
 * `samples` and `concurrency` also change at once which tasks the server hands the judge.
 */
export const JudgePatch = z
  .strictObject({
    name: J.name.unwrap().optional(),
    model: J.model.optional(),
    template: J.template.unwrap().nullable().optional(),
    swap: J.swap.unwrap().optional(),
    samples: J.samples.unwrap().optional(),
    temperature: J.temperature.unwrap().nullable().optional(),
    max_tokens: J.max_tokens.unwrap().nullable().optional(),
    structured: J.structured.unwrap().nullable().optional(),
    base_url: J.base_url.unwrap().nullable().optional(),
    api_key_env: J.api_key_env.unwrap().nullable().optional(),
    concurrency: J.concurrency.unwrap().optional(),
    repair: J.repair.unwrap().nullable().optional(),
    seed: J.seed.unwrap().nullable().optional(),
    timeout_seconds: J.timeout_seconds.unwrap().nullable().optional(),
    price: J.price.unwrap().nullable().optional(),
    prompt: J.prompt.unwrap().nullable().optional(),
    archived: z.boolean().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { error: 'give at least one field to change, e.g. {"archived": true}' });
export type JudgePatch = z.infer<typeof JudgePatch>;

/**
 * A judge prompt template. `{{name}}` inserts a field of the task (question, answer_a, answer_b, answer, options,
 * reference, persona, rubric, instructions, scale_min, scale_max, certainty_min, certainty_max, format; for
 * conversations conversation_a, conversation_b, conversation, turn_ordinal; for rankings answers, answer_list,
 * answer_count, answer_count_word, assistant_numbers, ties: judge-worker/templates.ts);
 * `{{#name}}…{{/name}}` keeps its text only when the field is present (`{{^name}}` when absent). `format` is the
 * answer-format instruction: `text_format` for plain text, a JSON instruction with structured output.
 */
export const JudgeTemplate = z.strictObject({
  name: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { error: 'a template name is letters, digits, ".", "_" and "-"' }),
  type: TaskType,
  description: z.string().max(2000).default(''),
  system: z.string().max(50_000).default(''),
  user: z.string().min(1).max(100_000),
  /**
   * How a plain-text answer is read: `[[A]]`/`[[B]]`/`[[C]]`, `Rating: [[7]]`, JudgeLM's two scores, `[[n]]` for an
   * option, JudgeLM's N scores (`scores`), or a listwise `[2] > [1] > [3]` (`ranking`).
   */
  parser: z.enum(['verdict', 'rating', 'judgelm', 'choice', 'scores', 'ranking']),
  text_format: z.string().max(10_000).default(''),
  /** Pairwise: whether a tie is a possible verdict. */
  tie: z.boolean().default(true),
  /** The certainty scale the template itself asks on (persona: 1–100 with its bands); otherwise the project's. */
  certainty_scale: z.strictObject({ min: z.number(), max: z.number() }).optional(),
});
export type JudgeTemplate = z.infer<typeof JudgeTemplate>;

/** What a judge worker tells the server about its run (`judge:status`), so `GET …/judges` shows it. */
export const JudgeStatusReport = z.strictObject({
  state: z.enum(['running', 'done', 'stopped', 'error']),
  labels: z.int().min(0),
  invalid: z.int().min(0),
  retries: z.int().min(0),
  /** Tasks given up after their tries ran out (released back to the pool). */
  errors: z.int().min(0),
  in_flight: z.int().min(0),
  tokens: z.strictObject({ prompt: z.int().min(0), completion: z.int().min(0) }),
  last_error: z.string().max(2000).nullable(),
  started_at: z.number(),
});
export type JudgeStatusReport = z.infer<typeof JudgeStatusReport>;

export const InviteCreate = z
  .strictObject({
    label: z.string().trim().max(LIMITS.nameChars).optional(),
    /** Most distinct worker ids this link admits (a study with a known number of places); none when absent. */
    max_workers: z.int().min(1).max(1_000_000).nullable().optional(),
  })
  .default({});

/** A researcher's change to one annotator (`PATCH /api/projects/:id/annotators/:annotator`). */
export const AnnotatorPatch = z
  .strictObject({
    /** Stop serving this human (their leases return to the pool at once); false restores them. */
    blocked: z.boolean().optional(),
    /** Leave their labels out of the report and the gold set (kept, restorable). Follows `blocked` unless given. */
    excluded: z.boolean().optional(),
  })
  .refine((p) => p.blocked !== undefined || p.excluded !== undefined, { error: 'give blocked or excluded' });
export type AnnotatorPatch = z.infer<typeof AnnotatorPatch>;

// ---------------------------------------------------------------------------------------------
// Socket payloads

export const TaskNextInput = z.strictObject({}).optional();
export const LeaseRef = z.strictObject({ leaseId: z.string().min(1).max(100) });

export const LabelSubmit = z.strictObject({
  leaseId: z.string().min(1).max(100),
  /**
   * Pairwise: `A`/`B`/`tie` in display positions (`A` = shown first). Rating: a number. Choice: an option. Ranking:
   * display positions best first, ties as groups (`[[1],[0,2]]`); the server maps them to the item's answers.
   */
  value: z.union([z.string().max(2000), finite, RankingValue]).nullable(),
  /** Ranking: a score per answer in display positions (JudgeLM scores every answer in one pass). */
  scores: z.array(finite).max(10).optional().nullable(),
  certainty: finite.optional().nullable(),
  rationale: z.string().max(LIMITS.rationaleChars).optional().nullable(),
  /** Generated by the client once per label; resubmitting the same id is acknowledged and stored once. */
  clientLabelId: z.string().min(1).max(100),
  /** Free, small, judge-only details (raw output, tokens, latency); ignored for humans. */
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type LabelSubmit = z.infer<typeof LabelSubmit>;

export const ProjectWatch = z.strictObject({ projectId: z.int().min(1) });

/** A yes/no query parameter: `1`, `true` or `yes` is yes, anything else (or nothing) no. */
export const flag = (v: unknown): boolean => v === true || v === '1' || v === 'true' || v === 'yes';

/** A yes/no query parameter that must be a yes/no word (`1 0 true false yes no`), else the query is invalid. */
export const Flag = z.union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no'])]).transform(flag);

/** Each socket command's input schema; `CommandResults` in protocol.ts gives what each answers with. */
export const COMMAND_INPUTS = {
  'session:get': TaskNextInput,
  'task:next': TaskNextInput,
  'label:submit': LabelSubmit,
  'task:release': LeaseRef,
  'task:heartbeat': LeaseRef,
  'project:watch': ProjectWatch,
  'project:unwatch': ProjectWatch,
  'judge:get': TaskNextInput,
  'judge:status': JudgeStatusReport,
} as const;

/**
 * Plain constants both sides need: the task types and values, the defaults a project starts with, and the limits
 * its settings are checked against. No imports and nothing configured at load, so the browser bundle takes them
 * without zod; shared/schemas.ts builds its schemas from them.
 */

export const TASK_TYPES = ['pairwise', 'rating', 'choice', 'ranking'] as const;

/** A ranking item's answers: at least two, at most ten (JudgeLM's multi-answer judging goes up to ten). */
export const RANKING_ANSWERS: Readonly<{ min: number; max: number }> = { min: 2, max: 10 };

/** The roles of a conversation's messages: OpenAI's chat message shape, so agent trajectories import as they are. */
export const CHAT_ROLES = ['system', 'user', 'assistant', 'tool'] as const;

/**
 * The image types Concord stores (sniffed from the bytes, never taken from a name): the four that browsers and
 * OpenAI-compatible vision endpoints all accept.
 */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

/** A pairwise verdict, in display positions (`A` = the answer shown first). */
export const PAIRWISE_VALUES = ['A', 'B', 'tie'] as const;

/** The order a pair was shown in: `AB` as stored, `BA` swapped. */
export const SHOWN_ORDERS = ['AB', 'BA'] as const;

export const ANNOTATOR_KINDS = ['human', 'llm'] as const;

/** Whether annotators are asked for a reason with each label. */
export const RATIONALE_MODES = ['off', 'optional', 'required'] as const;

/** Default rating scale (MT-Bench's single-answer grading uses 1–10). */
export const DEFAULT_SCALE: Readonly<{ min: number; max: number; step: number }> = { min: 1, max: 10, step: 1 };

/** Default certainty scale when a project turns certainty on without giving one. */
export const DEFAULT_CERTAINTY: Readonly<{ min: number; max: number }> = { min: 1, max: 100 };

/** Seconds a task stays held before it returns to the pool, unless the project sets its own. */
export const DEFAULT_LEASE_SECONDS: Readonly<{ human: number; llm: number }> = { human: 600, llm: 120 };

/** Human labels per item a new project asks for unless it says otherwise. */
export const DEFAULT_REDUNDANCY = 3;

/**
 * When an item with adaptive redundancy (`redundancy: { min, max, stop }`, issue 13) stops collecting human labels
 * once it has `min`: when they all agree (`unanimous`), or when its consensus posterior reaches a target
 * (`posterior`, under the project's aggregation: docs/decisions/0010-adaptive-redundancy.md).
 */
export const REDUNDANCY_STOPS = ['unanimous', 'posterior'] as const;

/** How a project routes items between judges and humans (issue 13: shared/routing.ts). */
export const ROUTING_MODES = ['parallel', 'escalate'] as const;

/** The largest values settings and inputs accept (the schemas check them; the dashboard's inputs say them). */
export const LIMITS = {
  /** Characters of a short name: a project's name and public title, a judge's name, a join link's label, a completion code. */
  nameChars: 200,
  /** Human labels per item. */
  redundancy: 1000,
  /** Seconds a lease may be set to (one day). */
  leaseSeconds: 86_400,
  /** Gold checks a qualification bar may wait for. */
  qualificationChecks: 10_000,
  /** Characters of a project's instructions. */
  instructionsChars: 200_000,
  /** Characters of an annotator's rationale. */
  rationaleChars: 50_000,
  /** Characters of a researcher's note on an adjudication. */
  noteChars: 10_000,
  /** Samples a judge may take per item and order. */
  judgeSamples: 100,
  /** Judges in one project's escalation cascade. */
  routingJudges: 8,
  /** Tasks a judge may work on at once. */
  judgeConcurrency: 256,
  /** Highest sampling temperature a judge may be given. */
  judgeTemperature: 2,
  /** Messages in one conversation. */
  conversationTurns: 500,
  /** Images on one item (its own and its turns' together). */
  imagesPerItem: 16,
  /** Bytes of one stored image file. */
  imageBytes: 10 * 1024 * 1024,
  /** Bytes of the distinct stored image files one item names: a task carries them all, base64 (a third more). */
  itemImageBytes: 20 * 1024 * 1024,
  /** Files in one import upload (a multipart body or a zip). */
  filesPerImport: 10_000,
  /** Characters of an image's alt text. */
  altChars: 2000,
} as const;

/** Why a qualification bar needs `gold_rate` > 0: the bar is measured on gold checks, and only then are any served. */
export const QUALIFICATION_NEEDS_GOLD =
  'a qualification bar needs gold checks: set gold_rate above 0 (with gold_rate 0 no gold checks are served), or qualification to null';

/**
 * Environment variables a judge may read its API key from. Only names ending in `_API_KEY` are accepted, so a
 * registration cannot make the server send another secret to an endpoint.
 */
export const API_KEY_VARIABLE = /^[A-Z][A-Z0-9_]*_API_KEY$/;

/**
 * How an item's consensus label is reached from its annotators' votes (issue 10): the plurality (`majority`), or a
 * model of each annotator's reliability fitted to all the votes, Dawid & Skene (1979) or MACE (Hovy et al. 2013).
 */
export const AGGREGATION_METHODS = ['majority', 'dawid-skene', 'mace'] as const;
export const DEFAULT_AGGREGATION = 'majority';

/** Defaults of the report's tests (issue 10): each can be changed per request (`?epsilon=`, `?target=`, …). */
export const REPORT_TEST_DEFAULTS = {
  /** The alt-test's cost–benefit margin ε (Calderon et al. 2025 suggest 0.2 for crowd annotators, 0.1 for experts). */
  epsilon: 0.2,
  /** The alt-test's least number of items an annotator needs to be tested (the t-test's normality, as in the paper). */
  altTestMinItems: 30,
  /** The alt-test's false discovery rate for the Benjamini–Yekutieli procedure. */
  altTestQ: 0.05,
  /** The certified threshold's target agreement 1 − α and error level δ (Jung et al. 2025). */
  target: 0.9,
  delta: 0.1,
  /** Least labels at or above a certainty value for it to be tested (the authors' code uses 30). */
  minItems: 30,
} as const;

/**
 * The import presets (issue 12): the published data sets an items import reads as they are (`?preset=`,
 * `concord import --preset`). The server's presets (server/imports/presets/presets.ts) are exactly these names.
 */
export const IMPORT_PRESETS = [
  { name: 'mt-bench-human', label: 'MT-Bench human judgments', fields: 'question_id, model_a, model_b, winner, judge, conversation_a, conversation_b, turn' },
  { name: 'alpaca-eval', label: 'alpaca_eval', fields: 'instruction, output_1, output_2, preference, annotator' },
  { name: 'judgebench', label: 'JudgeBench', fields: 'pair_id, question, response_A, response_B, label (A>B / B>A), source' },
  { name: 'pandalm', label: 'PandaLM test set', fields: 'instruction, input, response1, response2, annotator1..3' },
  { name: 'rewardbench', label: 'RewardBench', fields: 'prompt, chosen, rejected, subset (chosen is gold; positions shuffled with a seed; item id subset/id)' },
  { name: 'judgelm', label: 'JudgeLM', fields: 'question_body, answer1_body, answer2_body, score, text, reference' },
  { name: 'persona', label: 'Personalized judge (PRISM)', fields: 'user_info, question, asst_A, asst_B, ground_truth' },
] as const;
export type ImportPresetName = (typeof IMPORT_PRESETS)[number]['name'];

/** What an export can be (`?kind=`): gold and raw labels, and the judge-training sets of issue 12. */
export const EXPORT_KINDS = ['gold', 'labels', 'sft', 'dpo', 'preference'] as const;
/** The export's file formats (`?format=`). */
export const EXPORT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;

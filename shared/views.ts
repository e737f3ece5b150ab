/**
 * The REST API's response bodies, as the server sends them and the dashboard reads them: one copy of each.
 * REST JSON is snake_case (see the README's "Names on the wire"). Types only: nothing here runs. Two responses
 * live beside what else they serve: a project's progress (`ProjectProgress`, also a socket push) in protocol.ts,
 * and the report (`ReportJson`, built by pure code) in stats/report/json.ts.
 */
import type { TaskItem } from './protocol';
import type { ChatTurn } from './conversation';
import type { AggregationMethod } from './stats/crowd/types';
import type { Redundancy } from './redundancy';
import type { Routing } from './routing';
import type { AnnotatorKind, JudgeCreate, Order, RatingScale, Range, RationaleMode, TaskType } from './schemas';

/** A project as the API returns it (`GET/POST/PATCH /api/projects…`). Certainty is resolved to a range or null. */
export interface Project {
  id: number;
  name: string;
  type: TaskType;
  /** Human labels per item: the number given (fixed), or the adaptive rule `{ min, max, stop }` as given. */
  redundancy: Redundancy;
  options: string[] | null;
  scale: RatingScale | null;
  certainty: Range | null;
  rationale: RationaleMode;
  instructions: string;
  gold_rate: number;
  max_per_annotator: number | null;
  show_reference: boolean;
  lease_seconds: { human: number; llm: number };
  completion_code: string | null;
  redirect_url: string | null;
  public_title: string | null;
  qualification: { min_checks: number; min_accuracy: number; completion_code: 'give' | 'withhold' } | null;
  /** The consensus method of the gold export and the report unless a request names another. */
  aggregation: AggregationMethod;
  /** Judges first, humans where they are unsure (`escalate`); null: side by side (shared/routing.ts). */
  routing: Routing | null;
  created_at: string;
  updated_at: string;
}

/** `GET /api/projects`. */
export interface ProjectList {
  projects: Project[];
}

/** `POST /api/projects/:id/items` and `…/labels`: how many records were stored (a file with any bad line stores none). */
export interface ImportResult {
  imported: number;
  /** Items imports with files (multipart or zip): the distinct image files the items name, stored once each. */
  files?: number;
  /** Items imports read with a preset or a map (`?preset=`, `?map=`): the labels the file carried, stored with the items. */
  labels?: number;
}

/**
 * An item's stored content (the `content` column): what an annotator may see, plus `rubric`/`options` where the
 * type has them. Conversations keep every message as imported, with the judged `turn` resolved (the last when the
 * record gave none) and `question`/`answer*` set to the judged turn's, so lists, exports and length statistics
 * read them as for any item. Images: `file:<sha256>` for a stored file, else the URL as given (see ImageRef).
 */
export type ItemContent = Omit<TaskItem, 'id'>;

/** An item as `GET /api/projects/:id/items` lists it. */
export interface ItemView {
  id: string;
  content: ItemContent;
  gold: string | number | null;
  meta: Record<string, unknown> | null;
  labels: { human: number; llm: number };
  created_at: string;
}

/** A page of a list, with where it starts and how long it may be. */
export interface ListPage {
  total: number;
  offset: number;
  limit: number;
}

/** `GET /api/projects/:id/items?offset=&limit=`. */
export interface ItemsPage extends ListPage {
  items: ItemView[];
}

/**
 * Where a judge's latest run stands: `idle` (none since the server started), `running`, `done` (nothing left),
 * `stopped` (by the researcher or its worker), `error` (it ended on an error: see `last_error`).
 */
export type JudgeRunState = 'idle' | 'running' | 'done' | 'stopped' | 'error';

/** A judge as `GET /api/projects/:id/judges` lists it (and `PATCH …/judges/:judge` returns it). */
export interface JudgeView {
  id: number;
  name: string;
  config: JudgeCreate;
  progress: { done: number; target: number | null };
  created_at: string;
  /** Archived judges keep their labels but are left out of the report, plots and gold; their token is refused. */
  archived: boolean;
  archived_at: string | null;
  state: JudgeRunState;
  /** The error the latest run ended on (or its latest retry reason while running). */
  last_error: string | null;
  /** Every label the judge has stored (any run): how many, tokens from their meta, invalid outputs, cost at its price. */
  labels: number;
  tokens: { prompt: number; completion: number };
  invalid: number;
  cost: number | null;
  /** The latest run, if one reported since the server started. */
  run: {
    in_server: boolean;
    connected: boolean;
    started_at: string;
    labels: number;
    invalid: number;
    retries: number;
    errors: number;
    in_flight: number;
    tokens: { prompt: number; completion: number };
  } | null;
}

/** A join link as the REST API returns it (`POST/GET/DELETE /api/projects/:id/invites`). */
export interface InviteView {
  id: number;
  label: string | null;
  token: string;
  /** The join link; crowd platforms append the worker id (`?worker=` + Prolific's PROLIFIC_PID or MTurk's workerId). */
  url: string;
  created_at: string;
  revoked_at: string | null;
  /** Most distinct worker ids this link admits, or null for no cap. */
  max_workers: number | null;
  /** Distinct worker ids that have labelled through this link. */
  workers: number;
}

/** An annotator as `GET /api/projects/:id/annotators` lists it. */
export interface AnnotatorView {
  id: number;
  name: string;
  kind: AnnotatorKind;
  labels: number;
  /** Humans: gold checks answered and how many matched; null for judges. */
  gold_checks: { n: number; correct: number } | null;
  blocked: boolean;
  blocked_reason: 'researcher' | 'qualification' | null;
  blocked_at: string | null;
  /** Labels left out of the report and the gold set (kept; restorable). */
  excluded: boolean;
  created_at: string;
}

/** `GET /api/projects/:id/annotators`. */
export interface AnnotatorList {
  annotators: AnnotatorView[];
}

/** `GET /api/projects/:id/invites`. */
export interface InviteList {
  invites: InviteView[];
}

/** `GET /api/projects/:id/judges`. */
export interface JudgeList {
  judges: JudgeView[];
}

/** What a judge's runs add to its listing, and what `POST/DELETE …/judges/:judge/run` answer: state, last error, tokens, cost. */
export type JudgeRunView = Pick<JudgeView, 'state' | 'last_error' | 'labels' | 'tokens' | 'invalid' | 'cost' | 'run'>;

/** `POST /api/projects/:id/judges`: the new judge and its token (shown this once; the server keeps only a hash). */
export interface JudgeRegistered {
  id: number;
  name: string;
  token: string;
}

/** `DELETE /api/projects/:id/judges/:judge`: the judge deleted, and how many of its labels went with it. */
export interface JudgeDeleted {
  id: number;
  name: string;
  labels_deleted: number;
}

/** A researcher's final label for an item (`PUT /api/projects/:id/items/:item/adjudication` returns it). */
export interface AdjudicationView {
  item: string;
  label: string | number;
  note: string | null;
  by: string;
  at: string;
}

/** One label on a listed disagreement (human or judge). Pairwise values are in the item's own frame. */
export interface DisagreementLabel {
  annotator: string;
  kind: AnnotatorKind;
  value: string | number | null;
  certainty: number | null;
  rationale: string | null;
  order: Order | null;
  sample: number;
  at: string;
}

/** An item whose human labels disagree, as `GET /api/projects/:id/disagreements` lists it. */
export interface DisagreementView {
  id: string;
  content: ItemContent;
  gold: string | number | null;
  /** Share of the item's human labels that give its most common value (1 = unanimous). */
  agreement: number;
  /** Human labels on the item. */
  n: number;
  /** Whether the most common value is shared by two or more values (no majority). */
  tied: boolean;
  adjudication: Omit<AdjudicationView, 'item'> | null;
  labels: DisagreementLabel[];
}

/** `GET /api/projects/:id/disagreements?offset=&limit=&min_labels=`: the least agreement first. */
export interface DisagreementsPage extends ListPage {
  items: DisagreementView[];
}

/** One line of the gold export (`GET /api/projects/:id/export?kind=gold`, JSONL or CSV). */
export interface GoldRecord {
  id: string;
  question: string;
  answer_a?: string | null;
  answer_b?: string | null;
  answer?: string | null;
  /** Ranking: the answers in the item's own order (the label's indexes refer to them). */
  answers?: string[] | null;
  options?: string[] | null;
  rubric?: string | null;
  reference: string | null;
  persona: string | null;
  label: string | number;
  /**
   * Share of the votes behind the record that agree with `label`; null when it rests on gold or adjudication alone.
   * Ranking projects: the votes' mean share of answer pairs on which they state the label's preference (the same
   * answer ahead, or both tied): in [0, 1], 1 only when every vote is the label; on two answers the share of votes
   * matching it.
   */
  agreement: number | null;
  /**
   * Votes behind the record: one per annotator whose labels on the item took part (a judge's labels in both orders
   * and every sample reduce to one verdict, see shared/stats/votes.ts). `labels` lists every label behind them.
   */
  n: number;
  /**
   * Where `label` comes from: the researcher's adjudication, the item's gold, or the consensus method (`unanimous`
   * and `majority` are the plurality's; `dawid-skene` and `mace` the models'; `mean-rank` a ranking project's order
   * of the answers by their mean rank over the votes, whose `label` is the ranking's JSON text).
   */
  source: 'adjudicated' | 'gold' | 'unanimous' | 'majority' | 'dawid-skene' | 'mace' | 'mean-rank' | 'judge';
  /**
   * The consensus method's probability of `label`: the model's posterior, or for the plurality the winning share of
   * the votes; null when the label rests on an adjudication or gold.
   */
  posterior: number | null;
  labels: Array<{ annotator: string; kind: AnnotatorKind; value: string | number | null; certainty: number | null; rationale: string | null }>;
  meta: Record<string, unknown> | null;
  /** Conversation items, after every other field: the judged turn and the conversations as imported. */
  turn?: number;
  conversation_a?: ChatTurn[];
  conversation_b?: ChatTurn[];
  conversation?: ChatTurn[];
  /**
   * Projects that escalate from judges to humans (issue 13), last of all: who decided the item (`judge`: a cascade
   * judge's verdict at or above its certified threshold, `source: "judge"`; `humans`: everything else), and for a
   * judge its name, the verdict's certainty and the threshold it cleared.
   */
  decided_by?: 'judge' | 'humans';
  decided_judge?: string | null;
  decided_certainty?: number | null;
  decided_threshold?: number | null;
}

/**
 * `GET /api/projects/:id/meta-keys`: the top-level keys of the items' meta, for the report's "slice by" choice:
 * how many items carry each key and how many distinct values it takes there (most common keys first).
 */
export interface MetaKeys {
  keys: { key: string; items: number; values: number }[];
}

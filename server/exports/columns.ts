/**
 * The columns of every export, declared once with their types: the CSV header is their names, the Parquet schema
 * (parquet-schema.ts) and a Hugging Face dataset card's `features` (dataset-card.ts) are their types. A kind's
 * columns depend on the project's type where its records do (gold, labels).
 *
 * Types: `string`, `int64`, `float64`, `bool`; `json`, a value of variable shape (an item's meta, a conversation's
 * messages with their content parts) written as its JSON text, as the CSV does; and lists: `{ list: 'string' }` of
 * one scalar type, `{ list: [columns] }` of structs (chat messages, a gold record's labels).
 */
import type { Project } from '../../shared/views';

export type Scalar = 'string' | 'int64' | 'float64' | 'bool';
export type ColumnType = Scalar | 'json' | { list: Scalar | Column[] };
export interface Column {
  name: string;
  type: ColumnType;
}

const col = (type: ColumnType) => (...names: string[]): Column[] => names.map((name) => ({ name, type }));
const str = col('string');
const f64 = col('float64');
const i64 = col('int64');
/** A chat in OpenAI's format (role, content): TRL's conversational datasets and the sft `messages`. */
const MESSAGES: ColumnType = { list: str('role', 'content') };

/** A category (a label's value, a gold label): a number on a rating project's scale, else text. */
const categoryType = (project: Pick<Project, 'type'>): Scalar => (project.type === 'rating' ? 'float64' : 'string');

/** The label import format's columns, then the label's provenance (exports.service `toLabelRecord`). */
export function labelColumns(project: Pick<Project, 'type'>): Column[] {
  const cols: Column[] = [
    ...str('item', 'annotator', 'kind'),
    { name: 'value', type: categoryType(project) },
    ...f64('certainty'),
    ...str('rationale', 'order'),
    ...i64('sample'),
    ...f64('seconds'),
    ...str('created_at'),
    { name: 'excluded', type: 'bool' },
    ...str('model', 'template', 'template_version', 'raw_output'),
    ...i64('prompt_tokens', 'completion_tokens'),
    ...f64('latency_ms'),
    ...i64('invite_id'),
    ...str('study_id', 'session_id'),
  ];
  // Ranking labels: the display order and scores last, as the label import takes them.
  if (project.type === 'ranking') cols.push({ name: 'permutation', type: { list: 'int64' } }, { name: 'scores', type: { list: 'float64' } });
  return cols;
}

/** A gold record's columns (exports.service `goldRecord`); a project holding conversation items adds theirs. */
export function goldColumns(project: Pick<Project, 'type' | 'routing'>, conversations: boolean): Column[] {
  const list = (t: Scalar): ColumnType => ({ list: t });
  const content: Column[] =
    project.type === 'pairwise'
      ? str('answer_a', 'answer_b')
      : project.type === 'rating'
        ? str('answer', 'rubric')
        : project.type === 'ranking'
          ? [{ name: 'answers', type: list('string') }]
          : [{ name: 'options', type: list('string') }];
  const label = categoryType(project);
  const labels: ColumnType = { list: [...str('annotator', 'kind'), { name: 'value', type: label }, ...f64('certainty'), ...str('rationale')] };
  return [
    ...str('id', 'question'),
    ...content,
    ...str('reference', 'persona'),
    { name: 'label', type: label },
    ...f64('agreement'),
    ...i64('n'),
    ...str('source'),
    { name: 'labels', type: labels },
    { name: 'meta', type: 'json' },
    ...f64('posterior'),
    ...(conversations ? conversationColumns(project.type) : []),
    // Escalating projects (issue 13): who decided each item, last so every other column keeps its place.
    ...(project.routing?.mode === 'escalate' ? [...str('decided_by', 'decided_judge'), ...f64('decided_certainty', 'decided_threshold')] : []),
  ];
}

/** The columns of conversation items, by project type (pairwise holds two conversations, rating one). */
export function conversationColumns(type: string): Column[] {
  const json = col('json');
  return [...i64('turn'), ...(type === 'pairwise' ? json('conversation_a', 'conversation_b') : json('conversation'))];
}

/** sft: JudgeLM's fields and the chat `messages` (training.ts `sftRecords`). */
export const SFT_COLUMNS: Column[] = [
  ...str('id', 'order', 'verdict', 'label', 'source', 'rationale', 'rationale_from'),
  { name: 'rationale_swapped', type: 'bool' },
  ...str('question_id', 'question_body', 'answer1_body', 'answer2_body'),
  { name: 'score', type: { list: 'float64' } },
  ...str('text', 'reference_answer'),
  { name: 'messages', type: MESSAGES },
];
/** dpo: TRL's conversational preference format with the pair's provenance (training.ts `dpoRecords`). */
export const DPO_COLUMNS: Column[] = [
  ...str('id', 'judge', 'order', 'reference', 'source', 'chosen_verdict', 'rejected_verdict'),
  ...col(MESSAGES)('prompt', 'chosen', 'rejected'),
];
/** preference: TRL's standard format with the consensus behind it (training.ts `preferenceRecords`). */
export const PREFERENCE_COLUMNS: Column[] = [...str('id', 'prompt', 'chosen', 'rejected', 'label'), ...f64('agreement'), ...i64('n'), ...str('source')];

/** The judge-training exports' columns by kind. */
export const TRAINING_COLUMNS = { sft: SFT_COLUMNS, dpo: DPO_COLUMNS, preference: PREFERENCE_COLUMNS };

export const columnNames = (columns: readonly Column[]): string[] => columns.map((c) => c.name);

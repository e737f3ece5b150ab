/**
 * What turns a task into a label: an LLM behind an OpenAI-compatible endpoint, or a baseline that needs none.
 * Both give the worker the same {@link Judgment}, so baselines run through the same worker and protocol.
 */
import { createHash } from 'node:crypto';
import type { SessionInfo, Task } from '../shared/protocol';
import { DEFAULT_SCALE } from '../shared/constants';
import { parseRanking, type Ranking } from '../shared/ranking';
import type { JudgeCreate, JudgeTemplate } from '../shared/schemas';
import { checkValue } from '../shared/values';
import { rankingBaseline } from './baseline-ranking';
import { ModelClient, StructuredRefused, type ChatResult, type ModelOptions } from './model';
import { parseStructured, parseText, rescale, type Parsed } from './parse';
import { chooseTemplate, renderTask, responseSchema, templateVersion, type Message } from './templates';

export interface Judgment {
  /**
   * In display positions (pairwise; ranking: groups of positions from 0, best first, which the server maps to the
   * item's answers); null = the output could not be read (stored as an invalid label).
   */
  value: string | number | Ranking | null;
  /** Ranking: a score per display position (JudgeLM's multi-answer judge), sent with the label. */
  scores?: number[];
  certainty: number | null;
  rationale: string | null;
  /** Stored with the label: template and version, raw output, tokens, latency, tries… */
  meta: Record<string, unknown>;
  tokens: { prompt: number; completion: number };
  retries: number;
}

export interface Judge {
  readonly kind: 'llm' | 'baseline';
  judge(task: Task, signal: AbortSignal): Promise<Judgment>;
}

/** Longest raw output kept with a label (the server caps meta at 256 KiB). */
const RAW_MAX = 100_000;

type Project = SessionInfo['project'];

export const BASELINES = ['baseline:longest', 'baseline:first', 'baseline:random'] as const;
export const isBaseline = (model: string) => model.startsWith('baseline:');

/** A number in [0, 1) from a string, the same on every run (seeded baselines). */
const hash01 = (s: string) => createHash('sha256').update(s).digest().readUInt32BE(0) / 2 ** 32;

/**
 * Baselines (no endpoint): `longest` prefers the longer answer (alpaca_eval's `longest`; equal lengths tie; on
 * a rating, the share of 1,000 characters on the scale; on a choice, the longest option), `first` always the
 * answer shown first (pure position bias; the top of the scale, the first option), `random` a seeded coin per
 * (item, sample, and order with swap).
 */
export class BaselineJudge implements Judge {
  readonly kind = 'baseline' as const;
  constructor(
    private readonly model: string,
    private readonly project: Project,
    private readonly seed: number,
    private readonly swap: boolean,
  ) {
    if (!(BASELINES as readonly string[]).includes(model)) throw new Error(`Unknown baseline "${model}" (known: ${BASELINES.join(', ')})`);
  }

  async judge(task: Task): Promise<Judgment> {
    const value = this.pick(task);
    return { value, certainty: null, rationale: null, meta: { baseline: this.model }, tokens: { prompt: 0, completion: 0 }, retries: 0 };
  }

  private pick(task: Task): string | number | Ranking {
    const { item } = task;
    const which = this.model.slice('baseline:'.length);
    // Seeded on what the label means (the canonical item, its sample, and its order when the judge swaps), so a
    // rerun with the same seed stores the same labels whatever order the server happened to show.
    const r = hash01(`${this.seed}|${item.id}|${task.sample ?? 0}|${this.swap ? (task.order ?? '') : ''}`);
    const scale = this.project.scale ?? DEFAULT_SCALE;
    const step = scale.step ?? 1;
    const onScale = (x: number) => Math.min(scale.max, scale.min + Math.round(((scale.max - scale.min) * x) / step) * step);
    const options = item.options ?? this.project.options ?? [];
    switch (this.project.type) {
      case 'pairwise': {
        if (which === 'first') return 'A';
        if (which === 'random') return (r < 0.5) === (task.order !== 'BA') ? 'A' : 'B';
        const a = item.answer_a?.length ?? 0;
        const b = item.answer_b?.length ?? 0;
        return a > b ? 'A' : b > a ? 'B' : 'tie';
      }
      case 'rating':
        if (which === 'first') return scale.max;
        if (which === 'random') return onScale(r);
        return onScale(Math.min(1, (item.answer?.length ?? 0) / 1000));
      case 'choice': {
        if (which === 'first') return options[0]!;
        if (which === 'random') return options[Math.floor(r * options.length)]!;
        return options.reduce((best, o) => (o.length > best.length ? o : best), options[0]!);
      }
      case 'ranking':
        return rankingBaseline(which, item.answers ?? [], r);
    }
  }
}

export interface LlmJudgeOptions extends ModelOptions {
  config: JudgeCreate;
  project: Project;
  /** Structured output: true unless the registration or the flags say off; turns off for good if the endpoint refuses it. */
  structured: boolean;
  repair: boolean;
}

/** An LLM judge: renders the template, calls the endpoint, reads the answer, and says why when it cannot. */
export class LlmJudge implements Judge {
  readonly kind = 'llm' as const;
  private readonly client: ModelClient;
  private structured: boolean;
  /** Set when the endpoint refused structured output and the judge went on in the text format. */
  fellBack = false;

  constructor(private readonly o: LlmJudgeOptions) {
    this.client = new ModelClient(o);
    this.structured = o.structured;
    // Fails at start, not on the first task, when the template does not fit the project.
    const t = chooseTemplate(o.project.type, o.config);
    if (t.type !== o.project.type) throw new Error(`The template "${t.name}" is for ${t.type} projects; this project is ${o.project.type}`);
  }

  async judge(task: Task, signal: AbortSignal): Promise<Judgment> {
    const { config, project } = this.o;
    const template = chooseTemplate(project.type, config, task.item);
    const options = task.item.options ?? project.options ?? [];
    const n = task.item.answers?.length ?? 0;
    const tokens = { prompt: 0, completion: 0 };
    let retries = 0;
    const call = async (structured: boolean, extra: Message[] = []) => {
      const rendered = renderTask(template, task.item, project, structured);
      const r = await this.client.chat(
        {
          messages: [...rendered.messages, ...extra],
          temperature: config.temperature ?? (config.samples > 1 ? 0.7 : undefined),
          max_tokens: config.max_tokens,
          seed: config.seed,
          schema: structured ? responseSchema(template, rendered.certainty, options.length, n) : undefined,
        },
        signal,
      );
      tokens.prompt += r.usage.prompt;
      tokens.completion += r.usage.completion;
      retries += r.tries - 1;
      return { r, rendered };
    };

    let structured = this.structured;
    let first: { r: ChatResult; rendered: ReturnType<typeof renderTask> };
    try {
      first = await call(structured);
    } catch (e) {
      if (!(e instanceof StructuredRefused)) throw e;
      this.structured = structured = false;
      this.fellBack = true;
      first = await call(false);
    }
    let parsed = this.read(first.r.content, template, options, structured, n);
    let repaired = false;
    let repairRaw: string | undefined;
    if (parsed.value === null && this.o.repair) {
      const ask = `Your answer could not be read. Answer again, following this format exactly: ${structured ? 'a JSON object with the fields asked for' : first.rendered.format || 'the format asked for'}`;
      const again = await call(structured, [
        { role: 'assistant', content: first.r.content },
        { role: 'user', content: ask },
      ]);
      repairRaw = again.r.content;
      const p = this.read(again.r.content, template, options, structured, n);
      if (p.value !== null) {
        parsed = p;
        repaired = true;
      }
    }

    const { value, certainty, problem } = this.check(parsed, template, first.rendered.certainty, n);
    const meta: Record<string, unknown> = {
      template: template.name,
      template_version: templateVersion(template),
      model: config.model,
      structured,
      raw: first.r.content.slice(0, RAW_MAX),
      usage: { prompt_tokens: tokens.prompt, completion_tokens: tokens.completion },
      latency_ms: Math.round(first.r.latencyMs),
      tries: first.r.tries,
      finish_reason: first.r.finishReason,
    };
    if (this.fellBack) meta.structured_refused = true;
    if (repairRaw !== undefined) meta.repair_raw = repairRaw.slice(0, RAW_MAX);
    if (repaired) meta.repaired = true;
    // Pairwise JudgeLM scores are kept in the meta; a ranking's travel with the label (the server maps them).
    if (parsed.scores && project.type !== 'ranking') meta.scores = parsed.scores;
    if (parsed.certainty !== null && certainty !== parsed.certainty) meta.certainty_raw = parsed.certainty;
    if (problem) meta.invalid = problem;
    const judgment: Judgment = { value, certainty, rationale: value === null ? null : parsed.rationale, meta, tokens, retries };
    if (value !== null && parsed.scores && project.type === 'ranking') judgment.scores = parsed.scores;
    return judgment;
  }

  private read(content: string, t: JudgeTemplate, options: string[], structured: boolean, n: number): Parsed {
    if (structured) {
      const s = parseStructured(content, t, options, n);
      if (s) return s;
    }
    // A model asked for JSON may still have written the text format; and text answers are read here anyway.
    return parseText(content, t, options, n);
  }

  /** The value must be in the project's domain and the certainty on its scale; otherwise the label is invalid. */
  private check(p: Parsed, t: JudgeTemplate, asked: { min: number; max: number } | null, n: number): { value: Parsed['value']; certainty: number | null; problem?: string } {
    const { project } = this.o;
    if (p.value === null) return { value: null, certainty: null, problem: 'no answer in the required format' };
    const err = project.type === 'ranking' ? rankingProblem(p.value, n) : checkValue(project, p.value, project.type === 'choice' ? (project.options ?? null) : null);
    if (err && project.type !== 'choice') return { value: null, certainty: null, problem: err };
    let certainty: number | null = null;
    if (project.certainty && p.certainty !== null && asked) {
      const c = rescale(p.certainty, asked, project.certainty);
      if (Number.isFinite(c) && c >= project.certainty.min && c <= project.certainty.max) certainty = t.certainty_scale ? Math.round(c * 100) / 100 : c;
    }
    return { value: p.value, certainty };
  }
}

/** A ranking judge's value must rank every answer shown (the parsers only return complete rankings; a template of one's own is checked too). */
function rankingProblem(value: Parsed['value'], n: number): string | null {
  if (!Array.isArray(value)) return `a ranking judge must give a ranking, not ${JSON.stringify(value)}`;
  const r = parseRanking(value, n);
  return typeof r === 'string' ? r : null;
}

/**
 * Zod schemas of import records, one per task type: plain questions and answers, conversations (MT-Bench's and
 * chat data sets' shape, issue 11), rankings of several answers, and images. The server turns a parsed record into
 * an item's stored content (server/imports/item-content.ts); the checks that look across fields (a pair's user
 * turns, the judged turn, a complete gold ranking) are here, so a bad record is refused with its field named.
 */
import { z } from 'zod';
import { CHAT_ROLES, LIMITS, PAIRWISE_VALUES, RANKING_ANSWERS } from './constants';
import { conversationProblem, firstDifferentUserTurn, turnCount, type ChatTurn, type ImageRef } from './conversation';
import { parseRanking } from './ranking';

/** External ids: strings, or integers (turned into their decimal string). */
export const ExternalId = z
  .union([z.string(), z.int()])
  .transform((v) => String(v))
  .pipe(z.string().trim().min(1, { error: 'id cannot be empty' }).max(200, { error: 'id is longer than 200 characters' }));

/**
 * Required text. A number is taken as its decimal text (datasets hold answers like `42`); anything else that is
 * not a string is an error. `allowEmpty`: an empty answer is real data (a model that said nothing).
 */
export const text = (what: string, allowEmpty = false) =>
  z.preprocess(
    (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : v),
    z
      .string({ error: (i) => (i.input === undefined ? `${what} is required` : `${what} must be a string`) })
      .min(allowEmpty ? 0 : 1, { error: `${what} cannot be empty` }),
  );
const optText = z.string().optional().nullable();
const Meta = z.record(z.string(), z.unknown()).optional().nullable();

const optionText = z.string().trim().min(1, { error: 'an option cannot be empty' }).max(2000);
export const Options = z
  .array(optionText)
  .min(2, { error: 'give at least two options' })
  .max(100)
  .refine((o) => new Set(o).size === o.length, { error: 'options must be distinct' });

/**
 * An image's source: a path relative to the import's files (`img/cat.png`, sent with the import) or an http(s) URL
 * (passed through as it is). No absolute paths, no `..`, no other schemes (a `data:` URL belongs in a file).
 */
const imageSource = z
  .string()
  .trim()
  .min(1, { error: 'an image path cannot be empty' })
  .max(2000)
  .refine((s) => /^https?:\/\/[^\s]+$/i.test(s) || (!/^[a-z][a-z0-9+.-]*:/i.test(s) && !s.startsWith('/') && !s.includes('\\') && !s.split('/').includes('..')), {
    error: 'an image is a path relative to the files sent with the import (no "/" at the start, no "..") or an http(s):// URL',
  });

/** An image: its source, or `{src, alt}` with the text a screen reader says for it. */
export const ImageEntry = z
  .union([imageSource, z.strictObject({ src: imageSource, alt: z.string().max(LIMITS.altChars).optional() })])
  .transform((v): ImageRef => (typeof v === 'string' ? { src: v } : v.alt ? { src: v.src, alt: v.alt } : { src: v.src }));
const Images = z.array(ImageEntry).max(LIMITS.imagesPerItem, { error: `at most ${LIMITS.imagesPerItem} images per item` }).optional().nullable();

const ToolCall = z.strictObject({
  id: z.string().max(200),
  type: z.literal('function').default('function'),
  function: z.strictObject({ name: z.string().max(200), arguments: z.string().max(1_000_000) }),
});

/** OpenAI's content parts: text, and images as `image_url` (whose URL becomes one of the message's images). */
const ContentPart = z.union([
  z.strictObject({ type: z.literal('text'), text: z.string() }),
  z.strictObject({ type: z.literal('image_url'), image_url: z.strictObject({ url: imageSource, detail: z.string().optional() }) }),
]);

/** One message in OpenAI's chat shape; content parts are read into text and images. */
export const ChatTurnRecord = z
  .strictObject({
    role: z.enum(CHAT_ROLES),
    content: z.union([z.string(), z.null(), z.array(ContentPart)]).optional(),
    name: z.string().max(200).optional(),
    tool_calls: z.array(ToolCall).max(100).optional(),
    tool_call_id: z.string().max(200).optional(),
    images: z.array(ImageEntry).max(LIMITS.imagesPerItem).optional(),
  })
  .superRefine((m, ctx) => {
    const empty = m.content === undefined || m.content === null;
    if (empty && !(m.role === 'assistant' && m.tool_calls?.length))
      ctx.addIssue({ code: 'custom', path: ['content'], message: `${m.role === 'assistant' ? 'an' : 'a'} ${m.role} message needs content (only an assistant message that calls tools may have none)` });
  })
  .transform((m): ChatTurn => {
    const images: ImageRef[] = [...(m.images ?? [])];
    let content: string | null;
    if (Array.isArray(m.content)) {
      const texts: string[] = [];
      for (const p of m.content) {
        if (p.type === 'text') texts.push(p.text);
        else images.push({ src: p.image_url.url });
      }
      content = texts.join('\n');
    } else content = m.content ?? null;
    const out: ChatTurn = { role: m.role, content };
    if (m.name !== undefined) out.name = m.name;
    if (m.tool_calls?.length) out.tool_calls = m.tool_calls;
    if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
    if (images.length) out.images = images;
    return out;
  });
const Conversation = z.array(ChatTurnRecord).min(1, { error: 'a conversation needs at least one message' }).max(LIMITS.conversationTurns);
const Turn = z.int({ error: 'turn must be a whole number (the judged user turn, from 1)' }).min(1).optional().nullable();

const common = {
  id: ExternalId,
  reference: optText,
  persona: optText,
  meta: Meta,
  images: Images,
};

type Ctx = z.RefinementCtx;
const need = (ctx: Ctx, field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });

/** Checks a conversation and its judged turn (default: the last), adding an issue where one fails; false when one did. */
function checkConversation(ctx: Ctx, c: ChatTurn[], turn: number | null | undefined, where: string): boolean {
  // An empty list or a turn that is not a whole number from 1 is already an issue of its own field: one is enough.
  if (c.length === 0 || (turn != null && !(Number.isInteger(turn) && turn >= 1))) return false;
  const p = conversationProblem(c, turn ?? turnCount(c), where);
  if (p) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  return p === null;
}

/** A pair of answers, or a pair of conversations whose judged turn is compared (MT-Bench's multi-turn judging). */
export const PairwiseItemRecord = z
  .strictObject({
    ...common,
    question: text('question').optional(),
    answer_a: text('answer_a', true).optional(),
    answer_b: text('answer_b', true).optional(),
    conversation_a: Conversation.optional(),
    conversation_b: Conversation.optional(),
    turn: Turn,
    gold: z.enum(PAIRWISE_VALUES).optional().nullable(),
  })
  .superRefine((r, ctx) => {
    const conv = r.conversation_a !== undefined || r.conversation_b !== undefined;
    if (!conv) {
      for (const f of ['question', 'answer_a', 'answer_b'] as const) if (r[f] === undefined) need(ctx, f, `${f} is required (or give conversation_a and conversation_b)`);
      if (r.turn != null) need(ctx, 'turn', 'turn applies only to conversations');
      return;
    }
    for (const f of ['question', 'answer_a', 'answer_b'] as const) if (r[f] !== undefined) need(ctx, f, `${f} cannot be given with conversations (the question and answers are the judged turn's)`);
    if (!r.conversation_a || !r.conversation_b) return need(ctx, r.conversation_a ? 'conversation_b' : 'conversation_a', 'a pair of conversations needs both conversation_a and conversation_b');
    const diff = firstDifferentUserTurn(r.conversation_a, r.conversation_b);
    if (diff)
      return ctx.addIssue({ code: 'custom', path: ['conversation_b', diff.index], message: `user turn ${diff.turn} differs from conversation_a's (its text or its images): both answers must answer the same user turns` });
    // The user turns are the same in both, so a turn out of range is reported once, for conversation_a.
    if (checkConversation(ctx, r.conversation_a, r.turn, 'conversation_a')) checkConversation(ctx, r.conversation_b, r.turn, 'conversation_b');
  });

/** One answer to grade, or one conversation whose judged turn is graded (MT-Bench's single-answer grading). */
export const RatingItemRecord = z
  .strictObject({
    ...common,
    question: text('question').optional(),
    answer: text('answer', true).optional(),
    conversation: Conversation.optional(),
    turn: Turn,
    rubric: optText,
    gold: z.number().optional().nullable(),
  })
  .superRefine((r, ctx) => {
    if (r.conversation === undefined) {
      for (const f of ['question', 'answer'] as const) if (r[f] === undefined) need(ctx, f, `${f} is required (or give a conversation)`);
      if (r.turn != null) need(ctx, 'turn', 'turn applies only to conversations');
      return;
    }
    for (const f of ['question', 'answer'] as const) if (r[f] !== undefined) need(ctx, f, `${f} cannot be given with a conversation (they are the judged turn's)`);
    checkConversation(ctx, r.conversation, r.turn, 'conversation');
  });

export const ChoiceItemRecord = z.strictObject({
  ...common,
  question: text('question'),
  options: Options.optional().nullable(),
  gold: z.string().optional().nullable(),
});

/** Several answers to one question, to be ordered best to worst; gold is a ranking (answer indexes, best first). */
export const RankingItemRecord = z
  .strictObject({
    ...common,
    question: text('question'),
    answers: z
      .array(text('an answer', true))
      .min(RANKING_ANSWERS.min, { error: `give at least ${RANKING_ANSWERS.min} answers` })
      .max(RANKING_ANSWERS.max, { error: `give at most ${RANKING_ANSWERS.max} answers` }),
    gold: z
      .array(z.union([z.int(), z.array(z.int())]), { error: 'gold is a ranking: answer indexes best first, e.g. [2, 0, 1] (ties as groups: [[2], [0, 1]])' })
      .optional()
      .nullable(),
  })
  .superRefine((r, ctx) => {
    if (r.gold == null) return;
    const g = parseRanking(r.gold, r.answers.length);
    if (typeof g === 'string') need(ctx, 'gold', `gold ${g}`);
  });

export type PairwiseItemRecord = z.infer<typeof PairwiseItemRecord>;
export type RatingItemRecord = z.infer<typeof RatingItemRecord>;
export type ChoiceItemRecord = z.infer<typeof ChoiceItemRecord>;
export type RankingItemRecord = z.infer<typeof RankingItemRecord>;
export type ItemRecord = PairwiseItemRecord | RatingItemRecord | ChoiceItemRecord | RankingItemRecord;

export const ITEM_RECORD = { pairwise: PairwiseItemRecord, rating: RatingItemRecord, choice: ChoiceItemRecord, ranking: RankingItemRecord } as const;

/** A ranking label's value on the wire: answer indexes best first, ties as groups (display positions for a task). */
export const RankingValue = z.array(z.union([z.int(), z.array(z.int()).max(RANKING_ANSWERS.max)])).min(1).max(RANKING_ANSWERS.max);

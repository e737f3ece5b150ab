/**
 * What a judge reads of a conversation and of an item's images. Transcripts are written as MT-Bench's multi-turn
 * judge prompts write them (lm-sys/FastChat, fastchat/llm_judge/data/judge_prompts.jsonl, `pair-v2-multi-turn`):
 * one block per message, `### User:` / `### Assistant A:` and the text, blocks separated by a blank line, so a
 * two-turn conversation of plain messages renders exactly as FastChat fills `{question_1}`, `{answer_a_1}`… The
 * messages MT-Bench never has are written as they are, labelled: `### System:`, an assistant's tool calls as their
 * OpenAI JSON under `[Tool calls]`, and `### Tool result (tool_call_id: …):`. Images are sent after the prompt's
 * text as OpenAI `image_url` content parts; the transcript marks where each one was (`[Image 2]`).
 */
import type { ChatTurn, ImageRef } from '../shared/conversation';
import { turnCount } from '../shared/conversation';
import type { TaskItem } from '../shared/protocol';

/**
 * The URL a model endpoint is sent for an image: a stored file's bytes (attached to the task) as a `data:` URL, an
 * http(s) URL as the item gives it.
 */
export function imageUrl(image: ImageRef): string {
  if (!image.data) return image.src;
  const bytes = image.data instanceof ArrayBuffer ? Buffer.from(image.data) : Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return `data:${image.type ?? 'application/octet-stream'};base64,${bytes.toString('base64')}`;
}

/** An OpenAI chat content part: text, or an image by URL (`data:` for stored files). */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

/** The images a prompt sends, numbered in the order they are first met (the same image twice is sent once). */
export class ImageList {
  readonly entries: Array<{ image: ImageRef; where: string }> = [];
  private readonly bySrc = new Map<string, number>();

  /** The image's number (1-based), adding it if new. */
  add(image: ImageRef, where: string): number {
    const known = this.bySrc.get(image.src);
    if (known !== undefined) return known;
    this.entries.push({ image, where });
    this.bySrc.set(image.src, this.entries.length);
    return this.entries.length;
  }

  /**
   * The content parts that follow the prompt's text: each image preceded by a short text part naming it and where
   * it came from (with its alt text when the item gives one), in order.
   */
  parts(): ContentPart[] {
    return this.entries.flatMap(({ image, where }, i): ContentPart[] => [
      { type: 'text', text: `Image ${i + 1} (${where}${image.alt ? `; described as: ${image.alt}` : ''}):` },
      { type: 'image_url', image_url: { url: imageUrl(image) } },
    ]);
  }
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

/**
 * The judged turn named as MT-Bench names its turn 2 ("the second user question"): `second` for 2, and the same
 * way for any other turn (`first`, `third`, … `tenth`, then `11th`, `21st`…), so turn 2 keeps the authors' text.
 */
export function ordinal(n: number): string {
  if (n >= 1 && n <= ORDINALS.length) return ORDINALS[n - 1]!;
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** The heading of one message: `User`, the assistant's name, `System`, or a tool result with its call's id. */
function heading(m: ChatTurn, assistant: string): string {
  switch (m.role) {
    case 'user':
      return 'User';
    case 'assistant':
      return assistant;
    case 'system':
      return 'System';
    case 'tool': {
      const about = [m.tool_call_id ? `tool_call_id: ${m.tool_call_id}` : null, m.name ? `name: ${m.name}` : null].filter((x) => x !== null);
      return `Tool result${about.length ? ` (${about.join(', ')})` : ''}`;
    }
  }
}

/**
 * A conversation as a judge reads it, `assistant` naming the assistant (`Assistant A`). `images` numbers the
 * messages' images; `where` says whose conversation it is in their labels ("conversation A").
 */
export function transcript(c: readonly ChatTurn[], assistant: string, images: ImageList, where: string): string {
  return c
    .map((m, i) => {
      const body: string[] = [];
      if (m.content !== null && m.content !== '') body.push(m.content);
      if (m.tool_calls?.length) body.push(`[Tool calls]\n${JSON.stringify(m.tool_calls)}`);
      for (const image of m.images ?? []) {
        const n = images.add(image, `${where}, message ${i + 1} (${m.role})`);
        body.push(`[Image ${n}${image.alt ? `: ${image.alt}` : ''}]`);
      }
      return `### ${heading(m, assistant)}:\n${body.join('\n\n')}`;
    })
    .join('\n\n');
}

/** A conversation for an item given as a question and an answer (a multi-turn template named for a plain item). */
const asConversation = (question: string, answer: string | undefined): ChatTurn[] => [
  { role: 'user', content: question },
  { role: 'assistant', content: answer ?? '' },
];

/** The judged turn: the item's `turn`, else the conversation's last. */
export function judgedTurn(item: TaskItem): number {
  const c = item.conversation_a ?? item.conversation;
  return item.turn ?? (c ? Math.max(1, turnCount(c)) : 1);
}

/** Whether an item is a conversation (its templates are MT-Bench's multi-turn ones). */
export const isConversation = (item: TaskItem | undefined): boolean => !!(item?.conversation_a || item?.conversation);

/**
 * The conversation fields of a template: `conversation_a`, `conversation_b` (pairwise, display order),
 * `conversation` (rating, its assistant called `Assistant A` as MT-Bench's single-answer prompt does) and
 * `turn_ordinal`. Conversations arrive cut at the judged turn; items without one are shown as a one-turn conversation.
 */
export function conversationFields(item: TaskItem, images: ImageList): Record<string, string> {
  const a = item.conversation_a ?? asConversation(item.question, item.answer_a);
  const b = item.conversation_b ?? asConversation(item.question, item.answer_b);
  const single = item.conversation ?? asConversation(item.question, item.answer);
  for (const image of item.images ?? []) images.add(image, 'the item');
  return {
    conversation_a: transcript(a, 'Assistant A', images, 'conversation A'),
    conversation_b: transcript(b, 'Assistant B', images, 'conversation B'),
    conversation: transcript(single, 'Assistant A', images, 'the conversation'),
    turn_ordinal: ordinal(judgedTurn(item)),
  };
}

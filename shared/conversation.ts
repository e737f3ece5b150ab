/**
 * Conversations (issue 11): OpenAI's chat message shape, the judged turn within one, and the checks a pair of
 * conversations must pass. A "turn" is a user message and everything after it up to the next user message (the
 * assistant's reply, with any tool calls and tool results on the way): MT-Bench's turn 2 is the second user question
 * and its answer. Pure: no zod, no DOM, no Node.
 */
import type { CHAT_ROLES } from './constants';

export type ChatRole = (typeof CHAT_ROLES)[number];

/**
 * An image on an item or a turn. Stored: `src` is `file:<sha256>` (a file that came with the import) or an
 * `http(s)://` URL given in the item (passed through, never fetched by the server). `name` is the path the import
 * gave for a stored file. In a task, a stored file comes as its bytes: `src` is `attached:<sha256>`, `data` the
 * bytes (a socket.io binary attachment: a Buffer in Node, an ArrayBuffer in a browser) and `type` their media type;
 * the page shows them by object URL and a judge worker sends them as a `data:` URL. Binary rather than base64 text
 * in the JSON: socket.io then neither encodes nor scans a quarter-megabyte string per task (docs/BENCHMARKS.md).
 */
export interface ImageRef {
  src: string;
  alt?: string;
  name?: string;
  data?: Uint8Array | ArrayBuffer;
  type?: string;
}

/** The `src` prefix of a stored image whose bytes travel with the task (`attached:<sha256>`). */
export const ATTACHED = 'attached:';

/** One tool call of an assistant message, as OpenAI's chat API writes it. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One message. `content` is null only for an assistant message that only calls tools. */
export interface ChatTurn {
  role: ChatRole;
  content: string | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  images?: ImageRef[];
}

/** The index in the conversation of each user message, in order (turn t starts at `userIndexes(c)[t - 1]`). */
export function userIndexes(c: readonly ChatTurn[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < c.length; i++) if (c[i]!.role === 'user') out.push(i);
  return out;
}

/** The number of turns (user messages). */
export const turnCount = (c: readonly ChatTurn[]): number => userIndexes(c).length;

/**
 * Where turn `turn` (1-based) lies: `start` is its user message, `end` (exclusive) the next user message or the
 * conversation's end. Null when there is no such turn.
 */
export function turnRange(c: readonly ChatTurn[], turn: number): { start: number; end: number } | null {
  const users = userIndexes(c);
  if (!Number.isInteger(turn) || turn < 1 || turn > users.length) return null;
  return { start: users[turn - 1]!, end: users[turn] ?? c.length };
}

/** The conversation up to the end of the judged turn: what annotators and judges see (later turns are not context). */
export function upToTurn(c: readonly ChatTurn[], turn: number): ChatTurn[] {
  const r = turnRange(c, turn);
  return r ? c.slice(0, r.end) : [...c];
}

/** The judged turn's user question (its text). */
export function turnQuestion(c: readonly ChatTurn[], turn: number): string {
  const r = turnRange(c, turn);
  return r ? (c[r.start]!.content ?? '') : '';
}

/** The judged turn's answer: the text of its last assistant message with text ('' when it has none). */
export function turnAnswer(c: readonly ChatTurn[], turn: number): string {
  const r = turnRange(c, turn);
  if (!r) return '';
  for (let i = r.end - 1; i > r.start; i--) {
    const m = c[i]!;
    if (m.role === 'assistant' && m.content !== null && m.content !== '') return m.content;
  }
  return '';
}

/**
 * The first problem of a conversation with `turn` judged, or null: at least one user message, the turn within
 * range, and an assistant message in the judged turn. `where` names the field in messages ("conversation_a").
 */
export function conversationProblem(c: readonly ChatTurn[], turn: number, where: string): { path: (string | number)[]; message: string } | null {
  const n = turnCount(c);
  if (n === 0) return { path: [where], message: `${where} has no user message: a conversation needs at least one` };
  const r = turnRange(c, turn);
  if (!r) return { path: ['turn'], message: `turn ${turn} is not in ${where}, which has ${n} user turn${n === 1 ? '' : 's'} (turn counts user messages from 1)` };
  if (!c.slice(r.start + 1, r.end).some((m) => m.role === 'assistant'))
    return { path: [where, r.start], message: `turn ${turn} of ${where} has no assistant reply to judge` };
  return null;
}

/**
 * The first user turn at which two conversations of a pair differ (both models must have been asked the same
 * questions), or null. A turn differs when one conversation lacks it, or its user text or images are not the same.
 */
export function firstDifferentUserTurn(a: readonly ChatTurn[], b: readonly ChatTurn[]): { turn: number; index: number } | null {
  const ua = userIndexes(a);
  const ub = userIndexes(b);
  for (let t = 0; t < Math.max(ua.length, ub.length); t++) {
    const ia = ua[t];
    const ib = ub[t];
    if (ia === undefined || ib === undefined || a[ia]!.content !== b[ib]!.content || imageSources(a[ia]!) !== imageSources(b[ib]!))
      return { turn: t + 1, index: ib ?? b.length };
  }
  return null;
}

/** A message's image sources, in order, as one comparable text. */
const imageSources = (m: ChatTurn): string => JSON.stringify((m.images ?? []).map((i) => i.src));

/** Every image of a conversation's messages, in order. */
export function conversationImages(c: readonly ChatTurn[]): ImageRef[] {
  return c.flatMap((m) => m.images ?? []);
}

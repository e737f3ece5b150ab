/** How a transcript lays out a conversation: which messages are context, the judged turn, or after it. */
import { turnCount, turnRange, type ChatTurn, type ToolCall } from '../../../../shared/conversation';

export type Place = 'context' | 'question' | 'judged' | 'reply' | 'after';

/**
 * Where each message stands against the judged turn (1-based; default the last): earlier turns are context, the
 * judged turn's user message is its question, its last assistant message with text is the reply being judged (what
 * shared/conversation.ts turnAnswer takes), the steps on the way (tool calls, tool results) are judged too, and later
 * messages come after.
 */
export function places(turns: readonly ChatTurn[], turn: number | null | undefined): Place[] {
  const r = turnRange(turns, turn ?? turnCount(turns));
  if (!r) return turns.map(() => 'judged');
  let reply = -1;
  for (let i = r.end - 1; i > r.start && reply < 0; i--) if (turns[i]!.role === 'assistant' && turns[i]!.content) reply = i;
  for (let i = r.end - 1; i > r.start && reply < 0; i--) if (turns[i]!.role === 'assistant') reply = i;
  return turns.map((_, i) => (i < r.start ? 'context' : i === r.start ? 'question' : i === reply ? 'reply' : i < r.end ? 'judged' : 'after'));
}

/** The role as a reader says it, with the tool's or speaker's name when the message gives one. */
export function roleLabel(m: ChatTurn): string {
  const role = m.role === 'assistant' ? 'Assistant' : m.role === 'user' ? 'User' : m.role === 'system' ? 'System' : 'Tool result';
  return m.name ? `${role} · ${m.name}` : role;
}

/** A tool call's arguments laid out for reading: indented JSON when they parse, else the text as sent. */
export function toolArguments(c: ToolCall): string {
  try {
    return JSON.stringify(JSON.parse(c.function.arguments), null, 2);
  } catch {
    return c.function.arguments;
  }
}

/** The one line a folded part shows: what it is and how long. */
export function foldSummary(m: ChatTurn): string {
  const chars = (m.content ?? '').length;
  if (m.role === 'system') return `System prompt (${chars.toLocaleString('en')} characters)`;
  if (m.role === 'tool') return `Tool result${m.name ? ` of ${m.name}` : ''}${m.tool_call_id ? ` (${m.tool_call_id})` : ''}: ${chars.toLocaleString('en')} characters`;
  const names = (m.tool_calls ?? []).map((c) => c.function.name);
  return `Tool call${names.length === 1 ? '' : 's'}: ${names.join(', ')}`;
}

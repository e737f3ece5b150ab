/**
 * What a gold record adds for a conversation item (issue 11). `question` and `answer_a`/`answer_b`/`answer` stay the
 * judged turn's, as stored, so a script reading the old columns keeps working; the record adds the judged `turn` and
 * the whole conversations as imported (every message, later turns too), after every other field. A JSONL record
 * has them only when its item is a conversation; a CSV has their columns (the conversations as JSON text) only when
 * the project holds a conversation item, so the header of every other project stays as it was.
 */
import type { GoldRecord, ItemContent } from '../../shared/views';

export type ConversationFields = Pick<GoldRecord, 'turn' | 'conversation_a' | 'conversation_b' | 'conversation'>;

/** The item's conversation fields; null for an item without a conversation. */
export function conversationFields(c: ItemContent): ConversationFields | null {
  if (c.conversation_a && c.conversation_b) return { turn: c.turn, conversation_a: c.conversation_a, conversation_b: c.conversation_b };
  if (c.conversation) return { turn: c.turn, conversation: c.conversation };
  return null;
}

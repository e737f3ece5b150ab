/**
 * What the swarm checks on every task it receives (issue 11), and the value it answers with: a pairwise verdict,
 * or a ranking of the answers in display positions. A task must carry what its kind needs (both conversations and
 * the judged turn; the answers of a ranking, and never the permutation the server keeps with the lease; every stored
 * image as a `data:` URL). Sizes are measured on the task as the client received it.
 */
import type { Task } from '../../shared/protocol';
import type { AssignKind } from './setup';
import type { TaskShapes } from './messages';

const VERDICTS = ['A', 'B', 'tie'] as const;

/** The label for a task: a random verdict, or a random ranking of its answers (one in ten with the top two tied). */
export function answer(kind: AssignKind, task: Task): string | number[][] {
  if (kind !== 'ranking') return VERDICTS[Math.floor(Math.random() * 3)]!;
  const n = task.item.answers?.length ?? 0;
  const order = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const groups = order.map((p) => [p]);
  if (n > 2 && Math.random() < 0.1) return [[order[0]!, order[1]!].sort((a, b) => a - b), ...groups.slice(2)];
  return groups;
}

function problem(kind: AssignKind, task: Task): string | null {
  const item = task.item;
  if ('permutation' in task || 'permutation' in item) return 'the task carries the permutation';
  if (kind === 'conversation') {
    if (!Array.isArray(item.conversation_a) || !Array.isArray(item.conversation_b)) return 'no conversation_a/conversation_b';
    if (typeof item.turn !== 'number') return 'no turn';
    const users = item.conversation_a.filter((m) => m.role === 'user').length;
    if (users !== item.turn) return `the conversation has ${users} user turns, not cut at turn ${item.turn}`;
    return null;
  }
  if (kind === 'ranking') {
    const n = item.answers?.length ?? 0;
    return n >= 4 && n <= 5 ? null : `${n} answers`;
  }
  if (typeof item.answer_a !== 'string' || typeof item.answer_b !== 'string') return 'no answer_a/answer_b';
  if (kind === 'images') {
    const images = item.images ?? [];
    if (images.length < 1 || images.length > 2) return `${images.length} images`;
    const bad = images.find((im) => !im.src.startsWith('attached:') || im.type !== 'image/png' || byteLength(im.data) === 0);
    if (bad) return `an image is not an attached PNG (${bad.src.slice(0, 40)})`;
  }
  return null;
}

export class TaskShapeCheck {
  private received = 0;
  private malformed = 0;
  private readonly problems: string[] = [];
  private sampled = 0;
  private sampledChars = 0;
  private images = 0;
  private imageBytes = 0;

  constructor(private readonly kind: AssignKind) {}

  check(task: Task): void {
    this.received++;
    const p = problem(this.kind, task);
    if (p) {
      this.malformed++;
      if (this.problems.length < 5) this.problems.push(`${task.item.id}: ${p}`);
    }
    for (const im of task.item.images ?? []) {
      this.images++;
      this.imageBytes += byteLength(im.data);
    }
    if (this.received % 50 === 1) {
      this.sampled++;
      // The JSON text around the binary attachments (socket.io sends those as separate binary frames).
      // (A Buffer has become `{type: 'Buffer', data: […]}` by the time a replacer sees it.)
      this.sampledChars += JSON.stringify(task, (_k, v: unknown) => (isBinary(v) ? null : v)).length;
    }
  }

  report(): TaskShapes {
    return {
      received: this.received,
      malformed: this.malformed,
      problems: this.problems,
      meanJsonChars: this.sampled ? this.sampledChars / this.sampled : null,
      images: this.images,
      meanImageBytes: this.received ? this.imageBytes / this.received : null,
    };
  }
}

/** Bytes of an attached image (a Buffer in Node), 0 when none came. */
function byteLength(data: Uint8Array | ArrayBuffer | undefined): number {
  return data ? data.byteLength : 0;
}

/** A binary attachment as JSON.stringify hands it to a replacer: a Buffer after its toJSON, or an ArrayBuffer. */
function isBinary(v: unknown): boolean {
  return v instanceof ArrayBuffer || (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data));
}

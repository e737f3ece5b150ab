/**
 * What an annotator is shown of an item (the `item` of a task): the stored content turned into the order this
 * lease shows it in. Pairwise answers and conversations swap for order BA; a ranking's answers follow the lease's
 * permutation; a conversation is cut at the end of its judged turn (later turns are not context); stored image
 * files travel as their bytes inside the task, so only the lease holder ever receives one, and no import path or
 * `file:` reference reaches a client.
 */
import { ATTACHED, upToTurn, type ChatTurn, type ImageRef } from '../../shared/conversation';
import type { AnnotatorKind } from '../../shared/schemas';
import type { TaskItem } from '../../shared/protocol';
import type { ItemContent, Project } from '../../shared/views';
import type { Lease } from '../assignment/leases';
import { AppError } from '../errors';

/** Where stored image files are read (server/files/files.repo.ts `FilesRepo`). */
export interface FileSource {
  get(projectId: number, sha256: string): { media_type: string; size: number; data: Buffer } | undefined;
}

/** The item as this lease shows it to an annotator of this kind. */
export function taskItem(project: Project, externalId: string, content: ItemContent, lease: Lease, kind: AnnotatorKind, files: FileSource): TaskItem {
  const t: TaskItem = { id: externalId, question: content.question };
  // A file shown twice in one task (a shared user turn of a pair's two conversations) is read once.
  const read = new Map<string, ImageRef>();
  const images = (list: ImageRef[]) => taskImages(project.id, list, files, read);
  if (project.type === 'pairwise') pairwiseParts(t, content, lease, images);
  if (content.answer !== undefined) t.answer = content.answer;
  if (content.conversation !== undefined && project.type === 'rating') {
    t.conversation = taskConversation(content.conversation, content.turn, images);
    if (content.turn !== undefined) t.turn = content.turn;
  }
  if (project.type === 'ranking') t.answers = rankingAnswers(content, lease);
  if (project.type === 'choice') t.options = content.options ?? project.options ?? [];
  if (content.rubric !== undefined) t.rubric = content.rubric;
  if (content.persona !== undefined) t.persona = content.persona;
  if (content.reference !== undefined && (kind === 'llm' || project.show_reference)) t.reference = content.reference;
  if (content.images?.length) t.images = images(content.images);
  return t;
}

/** A pair's answers, and its conversations when it has them, in display order (BA swaps them). */
function pairwiseParts(t: TaskItem, content: ItemContent, lease: Lease, images: (l: ImageRef[]) => ImageRef[]): void {
  const flip = lease.order === 'BA';
  t.answer_a = flip ? content.answer_b : content.answer_a;
  t.answer_b = flip ? content.answer_a : content.answer_b;
  const a = content.conversation_a;
  const b = content.conversation_b;
  if (a === undefined || b === undefined) return;
  t.conversation_a = taskConversation(flip ? b : a, content.turn, images);
  t.conversation_b = taskConversation(flip ? a : b, content.turn, images);
  if (content.turn !== undefined) t.turn = content.turn;
}

/** A conversation up to the end of its judged turn (stored content has `turn` resolved; without one, all of it). */
function taskConversation(c: ChatTurn[], turn: number | undefined, images: (l: ImageRef[]) => ImageRef[]): ChatTurn[] {
  const cut = turn === undefined ? c : upToTurn(c, turn);
  return cut.map((m) => (m.images?.length ? { ...m, images: images(m.images) } : m));
}

/** A ranking item's answers in the lease's display order: position p shows the item's answer permutation[p]. */
function rankingAnswers(content: ItemContent, lease: Lease): string[] {
  const answers = content.answers;
  const p = lease.permutation;
  if (!answers || !p || p.length !== answers.length) throw new AppError('internal', 'This ranking task has no recorded order of its answers');
  return p.map((i) => answers[i]!);
}

/**
 * Images as a task carries them: a stored file (`file:<sha256>`) as its bytes (`data`, sent by socket.io as a binary
 * attachment) with its media type, under `attached:<sha256>`; an http(s) URL as the item gave it (the browser or the
 * model fetches it; the server never does). The import's file name is the researcher's, not the annotator's, so it is
 * dropped; alt text is kept. Anything else is dropped, never passed on.
 */
export function taskImages(projectId: number, list: readonly ImageRef[], files: FileSource, read = new Map<string, ImageRef>()): ImageRef[] {
  const out: ImageRef[] = [];
  for (const img of list) {
    let ref: ImageRef;
    if (img.src.startsWith('file:')) ref = read.get(img.src) ?? attached(projectId, img.src, files, read);
    else if (/^https?:\/\//i.test(img.src)) ref = { src: img.src };
    else continue;
    out.push(img.alt ? { ...ref, alt: img.alt } : ref);
  }
  return out;
}

/** A stored file as a task carries it, remembered in `read` for the rest of the task. */
function attached(projectId: number, src: string, files: FileSource, read: Map<string, ImageRef>): ImageRef {
  const sha = src.slice('file:'.length);
  const f = files.get(projectId, sha);
  if (!f) throw new AppError('internal', 'An image of this item is missing from the project’s files');
  const ref: ImageRef = { src: `${ATTACHED}${sha}`, data: f.data, type: f.media_type };
  read.set(src, ref);
  return ref;
}

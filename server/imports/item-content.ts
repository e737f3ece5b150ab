/**
 * An item record (shared/item-schemas.ts, already parsed) turned into what is stored: its content (ItemContent,
 * shared/views.ts) and its gold. Conversations keep every message, with the judged `turn` resolved (the last when
 * the record gave none) and `question`/`answer*` set to the judged turn's, so lists, exports and length statistics
 * read them as any item's. Images that name a file sent with the import become `file:<sha256>` (the file is stored
 * with the items, in their transaction); http(s) URLs are kept as given and never fetched.
 */
import { LIMITS } from '../../shared/constants';
import { turnAnswer, turnCount, turnQuestion, type ChatTurn, type ImageRef } from '../../shared/conversation';
import type { ErrorDetail } from '../../shared/errors';
import { parseRanking, rankingText } from '../../shared/ranking';
import type { ChoiceItemRecord, ItemRecord, PairwiseItemRecord, RankingItemRecord, RatingItemRecord } from '../../shared/schemas';
import { checkValue } from '../../shared/values';
import type { ItemContent, Project } from '../../shared/views';
import type { ImageType } from '../files/sniff';
import type { NewItem } from '../items/items.repo';
import type { ReceivedFile, ReceivedFiles } from './received-files';
import { formatBytes } from './spool';

const isUrl = (src: string) => /^https?:\/\//i.test(src);
/** The stored types in words (IMAGE_TYPES). */
const TYPE_NAMES = 'PNG, JPEG, WebP or GIF';

/** A received file some item names: hashed and sniffed as one of IMAGE_TYPES. */
export type UsedFile = ReceivedFile & { sha256: string; type: ImageType };

/**
 * Turns the images of an import's records into stored ones, keeping each file the items name (once, by its hash)
 * for the write. `files` is null for a plain body, which brings no files.
 */
export class ImageLinker {
  /** sha256 → the file, for every file some item names. */
  readonly used = new Map<string, UsedFile>();

  constructor(private readonly files: ReceivedFiles | null) {}

  /** The stored form of one image, or the problem with it (`field` says where it is in the record). */
  link(ref: ImageRef, line: number, field: string): ImageRef | ErrorDetail {
    if (isUrl(ref.src)) return ref;
    const path = ref.src;
    const problem = (message: string): ErrorDetail => ({ line, field, message: `image "${path}" ${message}` });
    if (!this.files)
      return problem('was not sent with the import: send the image files with the items file (a multipart upload, or a zip; `concord import items.jsonl --files <dir>`)');
    const f = this.files.get(path);
    if (!f) return problem(`is not among the ${this.files.count} file${this.files.count === 1 ? '' : 's'} sent with the import (files are named by the relative path the items use)`);
    if (f.sha256 === null) return problem(`is ${formatBytes(f.size)}, over the ${formatBytes(LIMITS.imageBytes)} limit for one image`);
    if (f.type === null) return problem(`is not a ${TYPE_NAMES} image (its first bytes are none of theirs, whatever its name says)`);
    this.used.set(f.sha256, { ...f, sha256: f.sha256, type: f.type });
    const out: ImageRef = { src: `file:${f.sha256}`, name: path };
    if (ref.alt) out.alt = ref.alt;
    return out;
  }
}

/** Builds one item's content, collecting its images' problems; `null` with the problems added when there are any. */
class ContentBuilder {
  readonly problems: ErrorDetail[] = [];
  images = 0;
  /** The distinct stored files the item names (sha256). */
  readonly files = new Set<string>();

  constructor(
    private readonly linker: ImageLinker,
    private readonly line: number,
  ) {}

  imageList(refs: readonly ImageRef[], field: string): ImageRef[] {
    const out: ImageRef[] = [];
    refs.forEach((ref, i) => {
      this.images++;
      const r = this.linker.link(ref, this.line, `${field}.${i}`);
      if (!('src' in r)) return void this.problems.push(r);
      out.push(r);
      if (r.src.startsWith('file:')) this.files.add(r.src.slice('file:'.length));
    });
    return out;
  }

  conversation(c: readonly ChatTurn[], field: string): ChatTurn[] {
    return c.map((m, i) => (m.images?.length ? { ...m, images: this.imageList(m.images, `${field}.${i}.images`) } : m));
  }
}

/** The content of a record of the project's type; `turn` resolved for conversations. */
function contentOf(project: Project, rec: ItemRecord, b: ContentBuilder): ItemContent {
  const content: ItemContent = { question: '' };
  if (project.type === 'pairwise') {
    const p = rec as PairwiseItemRecord;
    if (p.conversation_a && p.conversation_b) {
      const turn = p.turn ?? turnCount(p.conversation_a);
      content.question = turnQuestion(p.conversation_a, turn);
      content.answer_a = turnAnswer(p.conversation_a, turn);
      content.answer_b = turnAnswer(p.conversation_b, turn);
      content.conversation_a = b.conversation(p.conversation_a, 'conversation_a');
      content.conversation_b = b.conversation(p.conversation_b, 'conversation_b');
      content.turn = turn;
    } else Object.assign(content, { question: p.question ?? '', answer_a: p.answer_a ?? '', answer_b: p.answer_b ?? '' });
  } else if (project.type === 'rating') {
    const p = rec as RatingItemRecord;
    if (p.conversation) {
      const turn = p.turn ?? turnCount(p.conversation);
      content.question = turnQuestion(p.conversation, turn);
      content.answer = turnAnswer(p.conversation, turn);
      content.conversation = b.conversation(p.conversation, 'conversation');
      content.turn = turn;
    } else Object.assign(content, { question: p.question ?? '', answer: p.answer ?? '' });
    if (p.rubric) content.rubric = p.rubric;
  } else if (project.type === 'ranking') {
    const p = rec as RankingItemRecord;
    content.question = p.question;
    content.answers = p.answers;
  } else {
    const p = rec as ChoiceItemRecord;
    content.question = p.question;
    if (p.options) content.options = p.options;
  }
  if (rec.reference) content.reference = rec.reference;
  if (rec.persona) content.persona = rec.persona;
  if (rec.images?.length) content.images = b.imageList(rec.images, 'images');
  return content;
}

/** The item's gold as stored (a ranking as its canonical JSON text), or the problem with it. */
function goldOf(project: Project, rec: ItemRecord, content: ItemContent): { gold: string | number | null } | { field: string; message: string } {
  if (rec.gold == null) return { gold: null };
  if (project.type === 'ranking') {
    const r = parseRanking(rec.gold, content.answers?.length ?? 0);
    return typeof r === 'string' ? { field: 'gold', message: `gold ${r}` } : { gold: rankingText(r) };
  }
  const options = project.type === 'choice' ? (content.options ?? project.options) : null;
  const err = checkValue(project, rec.gold, options);
  return err ? { field: 'gold', message: err } : { gold: rec.gold as string | number };
}

/**
 * The item a valid record of `project`'s type stores, or null with its problems added (images not received or not
 * images, too many images, bad gold, a choice item with no options anywhere).
 */
export function toNewItem(project: Project, rec: ItemRecord, line: number, linker: ImageLinker, add: (d: ErrorDetail) => void): NewItem | null {
  const b = new ContentBuilder(linker, line);
  const content = contentOf(project, rec, b);
  if (b.images > LIMITS.imagesPerItem) b.problems.push({ line, field: 'images', message: `${b.images} images: an item may have at most ${LIMITS.imagesPerItem} (its own and its turns' together)` });
  const bytes = [...b.files].reduce((sum, sha) => sum + (linker.used.get(sha)?.size ?? 0), 0);
  if (bytes > LIMITS.itemImageBytes)
    b.problems.push({ line, field: 'images', message: `its image files come to ${formatBytes(bytes)}, over the ${formatBytes(LIMITS.itemImageBytes)} an item may carry (every task of it sends them all)` });
  if (project.type === 'choice' && !content.options && !project.options)
    b.problems.push({ line, field: 'options', message: 'options are required: give them on the item or set them once on the project' });
  else {
    const g = goldOf(project, rec, content);
    if ('field' in g) b.problems.push({ line, ...g });
    else if (b.problems.length === 0) return { externalId: rec.id, content, gold: g.gold, meta: rec.meta ?? null };
  }
  for (const d of b.problems) add(d);
  return null;
}

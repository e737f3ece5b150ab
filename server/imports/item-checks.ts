/** The checks an items file's records pass one at a time, against the project and each other, before anything is written. */
import { ITEM_RECORD, type ItemRecord } from '../../shared/schemas';
import type { Project } from '../../shared/views';
import type { ItemsRepo, NewItem } from '../items/items.repo';
import { ImageLinker, toNewItem } from './item-content';
import type { Problems, RawRecord } from './parse';
import type { ReceivedFiles } from './received-files';
import { recordDetails } from './record-details';

/**
 * Checks item records in file order: the record's shape (zod), a repeated id, an id already in the project (unless
 * upserting), its content (images, gold, options) and, for a ranking item replaced by an upsert, the number of its
 * answers. What it holds grows only by the ids seen (for a repeated id's first line).
 */
export class ItemChecker {
  private readonly schema;
  private readonly fields: string[];
  private readonly existing: Map<string, number>;
  private readonly seen = new Map<string, number>();
  private readonly answers: Map<number, number> | null;
  readonly linker: ImageLinker;

  constructor(
    private readonly project: Project,
    items: ItemsRepo,
    private readonly upsert: boolean,
    files: ReceivedFiles | null,
    private readonly problems: Problems,
  ) {
    this.schema = ITEM_RECORD[project.type];
    this.fields = Object.keys(this.schema.shape);
    this.existing = items.idMap(project.id);
    this.linker = new ImageLinker(files);
    this.answers = upsert && project.type === 'ranking' ? items.answerCounts(project.id) : null;
  }

  /** The item a record stores, or null with its problems added. */
  check({ line, value, failed }: RawRecord): NewItem | null {
    if (failed) return null;
    const r = this.schema.safeParse(value);
    if (!r.success) {
      for (const d of recordDetails(r.error, line, value, this.fields)) this.problems.add(d);
      return null;
    }
    const rec = r.data as ItemRecord;
    const first = this.seen.get(rec.id);
    if (first !== undefined) {
      this.problems.add({ line, field: 'id', message: `duplicate id "${rec.id}" (first on line ${first})` });
      return null;
    }
    this.seen.set(rec.id, line);
    if (!this.upsert && this.existing.has(rec.id)) {
      this.problems.add({ line, field: 'id', message: `id "${rec.id}" is already in the project (import with upsert to replace it)` });
      return null;
    }
    const item = toNewItem(this.project, rec, line, this.linker, (d) => this.problems.add(d));
    if (!item) return null;
    const was = this.answers?.get(this.existing.get(rec.id) ?? -1);
    // Labels, gold checks and live tasks name a ranking's answers by position: their number cannot change under them.
    if (was != null && was !== item.content.answers?.length) {
      this.problems.add({ line, field: 'answers', message: `item "${rec.id}" has ${was} answers in the project (its labels and tasks refer to them by position): import a different number under a new id` });
      return null;
    }
    return item;
  }
}

/**
 * A threaded export's share of the pages (issue 14): the export's rows in their order (items or labels by id) cut
 * into pages of `size` rows, page p read by the thread `p % of`. Each thread finds where its next page starts by
 * skipping the other threads' pages in an id-only read (an index, or the rowid order), so the threads agree on every
 * page's rows without talking to each other, and the main thread takes page 0, 1, 2… from thread 0, 1, 0, 1…
 */

export interface Share {
  /** This thread's number, 0 … of − 1. */
  index: number;
  /** How many threads share the export. */
  of: number;
  /** Rows a page. */
  size: number;
}

/**
 * Every page of this share, `read(afterId, limit)` being a keyset page in id order and `after(afterId, n)` the id of
 * the n-th row after `afterId` (null when there are fewer). The last page of the export may be short; a thread with
 * no page left stops (its share may end one page before another's).
 */
export function* sharePages<Row extends { id: number } | unknown[]>(
  share: Share,
  read: (afterId: number, limit: number) => Row[],
  after: (afterId: number, n: number) => number | null,
  idOf: (row: Row) => number,
): Generator<Row[]> {
  let from: number | null = share.index === 0 ? 0 : after(0, share.index * share.size);
  while (from !== null) {
    const rows = read(from, share.size);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < share.size) return;
    const last = idOf(rows[rows.length - 1]!);
    from = share.of === 1 ? last : after(last, (share.of - 1) * share.size);
  }
}

/**
 * The ranking an annotator builds on a ranking task, in display positions (0-based; shown as 1..N): an order, best
 * first, and between each two neighbours whether they are tied. Keys pick the next best (with a tie to the previous
 * pick when asked) and undo the last pick; drag and the up/down buttons move a placed answer. The submitted value is
 * the groups of display positions, best first (shared/ranking.ts; the server maps them to the item's answers).
 */
import type { Ranking } from '../../../shared/ranking';

export class RankingPick {
  /** Display positions placed so far, best first. */
  order = $state<number[]>([]);
  /** `ties[k]`: order[k + 1] is tied with order[k]. */
  ties = $state<boolean[]>([]);
  /** T was pressed: the next pick shares the previous pick's place. */
  tieNext = $state(false);

  constructor(readonly n: number) {}

  get complete(): boolean {
    return this.order.length === this.n;
  }
  get left(): number {
    return this.n - this.order.length;
  }
  placed(pos: number): boolean {
    return this.order.includes(pos);
  }

  /** Places answer `pos` next; a sentence when it cannot be (already placed, no such answer). */
  pick(pos: number, tie = false): string | null {
    if (!Number.isInteger(pos) || pos < 0 || pos >= this.n) return `There is no answer ${pos + 1}: the answers are numbered 1 to ${this.n}.`;
    if (this.placed(pos)) return `Answer ${pos + 1} is already placed (Backspace takes back the last pick).`;
    if (this.order.length > 0) this.ties.push(tie || this.tieNext);
    this.order.push(pos);
    this.tieNext = false;
    return null;
  }

  /** Takes back the last pick (or a pending T). */
  undo(): boolean {
    if (this.tieNext) {
      this.tieNext = false;
      return true;
    }
    if (this.order.length === 0) return false;
    this.order.pop();
    this.ties.pop();
    return true;
  }

  /** Puts answer `pos` at `index` in the order (placing it if it was not): drag and drop, and the up/down buttons. */
  moveTo(pos: number, index: number): void {
    const from = this.order.indexOf(pos);
    if (from >= 0) this.removeAt(from);
    const at = Math.max(0, Math.min(index, this.order.length));
    if (this.order.length > 0) this.ties.splice(at === 0 ? 0 : at - 1, 0, false);
    this.order.splice(at, 0, pos);
  }

  /** Moves a placed answer one place up (−1) or down (+1). */
  move(pos: number, dir: -1 | 1): void {
    const i = this.order.indexOf(pos);
    const j = i + dir;
    if (i < 0 || j < 0 || j >= this.order.length) return;
    [this.order[i], this.order[j]] = [this.order[j]!, this.order[i]!];
  }

  /** Takes an answer out of the ranking. */
  remove(pos: number): void {
    const i = this.order.indexOf(pos);
    if (i >= 0) this.removeAt(i);
  }

  private removeAt(i: number): void {
    this.order.splice(i, 1);
    if (this.ties.length > 0) this.ties.splice(i === 0 ? 0 : i - 1, 1);
  }

  /** Ties (or unties) the answers at order[k] and order[k + 1]. */
  toggleTie(k: number): void {
    if (k >= 0 && k < this.ties.length) this.ties[k] = !this.ties[k];
  }

  /** The groups, best first: a new group wherever two neighbours are not tied. */
  groups(): Ranking {
    const out: Ranking = [];
    this.order.forEach((pos, k) => {
      if (k === 0 || !this.ties[k - 1]) out.push([pos]);
      else out[out.length - 1]!.push(pos);
    });
    return out;
  }

  /**
   * The value to submit, or null while answers are missing. With one answer left it goes last (behind the others,
   * or tied with the last pick after T): the first N − 1 picks already say where it stands.
   */
  value(): Ranking | null {
    if (this.left === 1) {
      const last = [...Array(this.n).keys()].find((p) => !this.placed(p))!;
      this.pick(last);
    }
    return this.complete ? this.groups() : null;
  }
}

/**
 * Human labels held while an escalating project's pool loads (pool.ts `load`), until every item's human count is
 * known (the router reads it): three numbers a
 * label in typed arrays, each value once in a table (verdicts, scores and rankings repeat), instead of an object
 * per label (5M human labels at 1M items).
 */
export class HumanRows {
  private annotators = new Float64Array(1024);
  private items = new Float64Array(1024);
  private codes = new Int32Array(1024);
  private readonly values: unknown[] = [];
  private readonly codeOf = new Map<unknown, number>();
  private n = 0;

  push(annotatorId: number, itemId: number, value: unknown): void {
    if (this.n === this.codes.length) this.grow();
    let code = this.codeOf.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codeOf.set(value, code);
    }
    this.annotators[this.n] = annotatorId;
    this.items[this.n] = itemId;
    this.codes[this.n] = code;
    this.n++;
  }

  /** Each held label, in the order pushed. */
  forEach(f: (annotatorId: number, itemId: number, value: unknown) => void): void {
    for (let i = 0; i < this.n; i++) f(this.annotators[i]!, this.items[i]!, this.values[this.codes[i]!]);
  }

  private grow(): void {
    const size = this.codes.length * 2;
    const a = new Float64Array(size);
    a.set(this.annotators);
    this.annotators = a;
    const it = new Float64Array(size);
    it.set(this.items);
    this.items = it;
    const c = new Int32Array(size);
    c.set(this.codes);
    this.codes = c;
  }
}

/** Latency samples in milliseconds, summarised by nearest-rank percentiles. */
export class Samples {
  private values: number[] = [];

  add(ms: number): void {
    this.values.push(ms);
  }

  get count(): number {
    return this.values.length;
  }

  summary(): Summary {
    const v = Float64Array.from(this.values).sort();
    return {
      count: v.length,
      p50: percentile(v, 50),
      p90: percentile(v, 90),
      p99: percentile(v, 99),
      max: v.length > 0 ? v[v.length - 1]! : null,
      mean: v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : null,
    };
  }
}

export interface Summary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** Nearest-rank percentile (the smallest value with at least p% of the samples at or below it) of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Per-event samples, e.g. server-side durations of each socket command. */
export class EventSamples {
  private readonly byEvent = new Map<string, Samples>();

  add(event: string, ms: number): void {
    let s = this.byEvent.get(event);
    if (!s) this.byEvent.set(event, (s = new Samples()));
    s.add(ms);
  }

  summary(): Record<string, Summary> {
    return Object.fromEntries([...this.byEvent].map(([e, s]) => [e, s.summary()]));
  }
}

export const round = (n: number | null | undefined, digits = 2): number | null =>
  n === null || n === undefined ? null : Math.round(n * 10 ** digits) / 10 ** digits;

export const ms = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : n < 10 ? `${n.toFixed(2)} ms` : `${n.toFixed(1)} ms`);

/** A plain-text table with a header row and left-aligned columns. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

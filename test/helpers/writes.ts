import type { Socket as NetSocket } from 'node:net';

/** Counts the writes a TCP socket hands to the kernel (`_writev` for a corked batch, `_writeGeneric` for one chunk). */
export function countWrites(raw: NetSocket): { n: number } {
  const count = { n: 0 };
  const s = raw as unknown as Record<'_writev' | '_writeGeneric', (...a: unknown[]) => unknown>;
  for (const k of ['_writev', '_writeGeneric'] as const) {
    const original = s[k].bind(raw);
    s[k] = (...a: unknown[]) => {
      count.n++;
      return original(...a);
    };
  }
  return count;
}

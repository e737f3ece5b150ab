/**
 * Images of an item (issue 11) as the browser shows them: which `src` may reach an `<img>`, the alt text, and every
 * image of an item once (the item's own, then those of its conversations' turns).
 */
import type { ChatTurn, ImageRef } from '../../../../shared/conversation';

/**
 * The URL to put in `<img src>`, or null when it is not one the page may load. A task carries `data:image/…` for a
 * stored file or the item's own http(s) URL; the dashboard maps stored `file:<sha256>` refs itself (`resolve`).
 * Anything else (javascript:, file:, an SVG data URL that could carry script when opened) is not shown.
 */
export function safeImageSrc(src: string): string | null {
  if (/^data:image\/(png|jpeg|webp|gif);base64,/i.test(src)) return src;
  if (/^https?:\/\//i.test(src) || /^blob:/i.test(src) || /^\/api\//.test(src)) return src;
  return null;
}

/** The alt text: the item's own when it gives one, else a generic "Image N of the item" (N from 1). */
export function imageAlt(ref: ImageRef, n: number): string {
  const own = ref.alt?.trim();
  return own ? own : `Image ${n} of the item`;
}

/** The parts of an item that can hold images (a task's item, or stored item content). */
export interface WithImages {
  images?: ImageRef[];
  conversation?: ChatTurn[];
  conversation_a?: ChatTurn[];
  conversation_b?: ChatTurn[];
}

/**
 * Every image of an item once, in reading order: the item's own, then its conversations' (a pair's user turns are
 * the same in both conversations, so an image there is listed once). Numbers for the generic alt come from here.
 */
export function itemImages(item: WithImages): ImageRef[] {
  const seen = new Set<string>();
  const out: ImageRef[] = [];
  const add = (r: ImageRef) => {
    if (seen.has(r.src)) return;
    seen.add(r.src);
    out.push(r);
  };
  for (const r of item.images ?? []) add(r);
  for (const c of [item.conversation, item.conversation_a, item.conversation_b]) for (const m of c ?? []) for (const r of m.images ?? []) add(r);
  return out;
}

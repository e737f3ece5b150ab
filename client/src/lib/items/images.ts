/**
 * Images of an item (issue 11) as the browser shows them: which `src` may reach an `<img>`, the alt text, and every
 * image of an item once (the item's own, then those of its conversations' turns).
 */
import type { TaskItem } from '../../../../shared/protocol';
import type { ChatTurn, ImageRef } from '../../../../shared/conversation';

/**
 * The URL to put in `<img src>`, or null when it is not one the page may load: an object URL of a stored file's
 * bytes (withObjectUrls), a `data:image/…` URL, or the item's own http(s) URL; the dashboard maps stored
 * `file:<sha256>` refs itself (`resolve`).
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

const IMAGE_TYPE = /^image\/(png|jpeg|webp|gif)$/;

/**
 * A task's item with each stored file it carries (bytes under `attached:<sha256>`) turned into an object URL, one
 * per file, and the URLs made, to revoke when the task leaves the screen. Bytes of another type are not shown.
 */
export function withObjectUrls(item: TaskItem): { item: TaskItem; urls: string[] } {
  const bySrc = new Map<string, string>();
  const urls: string[] = [];
  const one = (r: ImageRef): ImageRef => {
    if (!r.data) return r;
    let url = bySrc.get(r.src);
    if (url === undefined) {
      url = IMAGE_TYPE.test(r.type ?? '') ? URL.createObjectURL(new Blob([new Uint8Array(r.data)], { type: r.type })) : '';
      bySrc.set(r.src, url);
      if (url) urls.push(url);
    }
    return r.alt ? { src: url, alt: r.alt } : { src: url };
  };
  const list = (l: ImageRef[] | undefined) => l?.map(one);
  const turns = (c: ChatTurn[] | undefined) => c?.map((m) => (m.images ? { ...m, images: list(m.images) } : m));
  const out: TaskItem = { ...item };
  if (item.images) out.images = list(item.images);
  if (item.conversation) out.conversation = turns(item.conversation);
  if (item.conversation_a) out.conversation_a = turns(item.conversation_a);
  if (item.conversation_b) out.conversation_b = turns(item.conversation_b);
  return { item: out, urls };
}

/**
 * Images stored with a project's items, for the dashboard. Stored content names a file `file:<sha256>`; the file is
 * behind the admin token (`GET /api/projects/:id/files/:sha256`), which an `<img src>` cannot send, so each file is
 * fetched once and shown by an object URL (the Content-Security-Policy allows `blob:` images). An item's own http(s)
 * URLs are shown as given: the server never fetches them, and the browser loads them only where the policy allows.
 */
import type { ImageRef } from '../../../shared/conversation';
import type { Api } from '../lib/api';
import { safeImageSrc } from '../lib/items/images';

const FILE = /^file:([0-9a-f]{64})$/;

export class StoredImages {
  /** Object URL by SHA-256; '' while a file is loading or when it could not be read. */
  private urls = $state<Record<string, string>>({});
  private asked = new Set<string>();

  constructor(
    private readonly api: Api,
    private readonly projectId: number,
  ) {}

  /** Fetches the stored files among `refs` not fetched yet (call from an effect: it writes state when they arrive). */
  load(refs: readonly ImageRef[]): void {
    for (const r of refs) {
      const sha = FILE.exec(r.src)?.[1];
      if (!sha || this.asked.has(sha)) continue;
      this.asked.add(sha);
      this.api.blob(`/api/projects/${this.projectId}/files/${sha}`).then(
        (b) => (this.urls[sha] = URL.createObjectURL(b)),
        () => (this.urls[sha] = ''),
      );
    }
  }

  /** The URL an `<img>` may load for a stored or given src; null while a stored file loads, or for one not allowed. */
  resolve = (src: string): string | null => {
    const sha = FILE.exec(src)?.[1];
    if (sha) return this.urls[sha] || null;
    return safeImageSrc(src);
  };

  /** Frees the object URLs (the view going away). */
  dispose(): void {
    for (const u of Object.values(this.urls)) if (u) URL.revokeObjectURL(u);
    this.urls = {};
    this.asked.clear();
  }
}

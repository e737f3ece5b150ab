import type { IncomingMessage } from 'node:http';

/** Who may open the websocket from a browser, besides the server's own origin. */
export interface OriginPolicy {
  /** CONCORD_PUBLIC_URL: the name people reach the server at (e.g. behind a reverse proxy). */
  publicUrl?: string | undefined;
  /** CONCORD_ALLOWED_ORIGINS, already reduced to origins. */
  allowed: readonly string[];
}

/**
 * Browsers send `Origin` on every websocket handshake and the same-origin policy does not apply to websockets, so
 * without this check any site a researcher visits could open a socket to a Concord on their network. A handshake
 * without `Origin` is not from a browser page (judge workers, Node scripts) and is allowed: the token decides.
 * The server's own origin is the request's Host, compared by host and port (as gorilla/websocket does), so a
 * TLS-terminating proxy that keeps the Host header needs no setting.
 */
export function originAllowed(req: IncomingMessage, policy: OriginPolicy): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file://) and anything unreadable
  }
  const host = req.headers.host;
  if (host) {
    try {
      if (new URL(`${o.protocol}//${host}`).host === o.host) return true;
    } catch {
      // a Host header that is not a host: fall through to the configured origins
    }
  }
  if (policy.publicUrl && new URL(policy.publicUrl).origin === o.origin) return true;
  return policy.allowed.includes(o.origin);
}

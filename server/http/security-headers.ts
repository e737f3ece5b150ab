/** The security headers (helmet, with the Content-Security-Policy the browser app needs). */
import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * The headers every response carries (helmet). The Content-Security-Policy is what the built app needs and no more:
 * scripts only from this origin (Vite emits no inline script), fetch and websockets only to this origin (CSP 3
 * `'self'` covers ws:/wss: to the same host), images from here plus `data:`/`blob:` for the chart PNG/SVG export and
 * the images stored with an item (a task carries them as `data:` URLs), plus any http(s) URL, as an item may name
 * its images by URL (issue 11: shown as given, never fetched by the server). Item text still cannot load an image:
 * client/src/lib/markdown.ts removes every `<img>` (and Markdown's `![]()`, which renders to one) before it reaches
 * the DOM, so only the item's own `images` list, shown by the app, reaches `<img src>`. No plugins, no framing. Styles allow `'unsafe-inline'` for style *attributes* only: ECharts writes its tooltips
 * and legends with `style="…"` in HTML strings and Svelte sets dynamic style attributes; style elements still come
 * from this origin alone. test/e2e/csp.test.ts opens every screen in chromium and asserts no violation.
 *
 * HSTS is left to the TLS-terminating proxy (on plain http it means nothing, and a year-long pin is the proxy's
 * decision); `upgrade-insecure-requests` is left out so a server on a LAN address over http keeps working.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'style-src-attr': ["'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:', 'https:', 'http:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: false,
  });
}

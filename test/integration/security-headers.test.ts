/**
 * Security headers on every response (the browser app, the API, static files, errors) and the websocket Origin
 * check: a page on another site cannot open a socket to Concord with the visitor's network position.
 */
import fs from 'node:fs';
import path from 'node:path';
import { io as ioClient } from 'socket.io-client';
import { invite, makeProject, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
let inviteToken: string;
beforeAll(async () => {
  s = await startServer({ allowedOrigins: ['https://study.example.org'] });
  inviteToken = await invite(s, await makeProject(s));
});
afterAll(async () => {
  await s.close();
});

/** The directives of a Content-Security-Policy header, by name. */
function csp(header: string | null): Record<string, string[]> {
  expect(header).toBeTruthy();
  return Object.fromEntries(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

function expectSecurityHeaders(res: Response): void {
  const policy = csp(res.headers.get('content-security-policy'));
  expect(policy['default-src']).toEqual(["'self'"]);
  expect(policy['script-src']).toEqual(["'self'"]); // no inline script, no eval
  expect(policy['connect-src']).toEqual(["'self'"]); // same-origin fetch and websockets only
  expect(policy['frame-ancestors']).toEqual(["'none'"]);
  expect(policy['object-src']).toEqual(["'none'"]);
  expect(policy['img-src']).toEqual(expect.arrayContaining(["'self'", 'data:', 'blob:']));
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-powered-by')).toBeNull();
}

describe('security headers', () => {
  const built = path.resolve(__dirname, '../../client/dist/index.html');

  test('the browser app page carries the CSP, nosniff, no-referrer and frame denial', async () => {
    const res = await fetch(`${s.url}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
  });

  test('a static asset of the built app carries them too', async () => {
    // npm test builds the client first; the asset's name is read from the built page.
    if (!fs.existsSync(built)) throw new Error('client/dist is missing: run `npm run build:client` first (npm test does)');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(fs.readFileSync(built, 'utf8'))![1]!;
    const res = await fetch(`${s.url}${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expectSecurityHeaders(res);
  });

  test('API answers, successful or refused, carry them', async () => {
    const ok = await fetch(`${s.url}/api/projects`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(ok.status).toBe(200);
    expectSecurityHeaders(ok);
    const refused = await fetch(`${s.url}/api/projects`);
    expect(refused.status).toBe(401);
    expectSecurityHeaders(refused);
  });

  test('errors carry them: an unknown route, and a body that is not JSON', async () => {
    const missing = await fetch(`${s.url}/api/no-such-route`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing);
    const bad = await fetch(`${s.url}/api/projects`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: '{not json' });
    expect(bad.status).toBe(400);
    expectSecurityHeaders(bad);
  });
});

describe('websocket Origin check', () => {
  /** Connects as a Node client sending the given Origin (or none); resolves with how it went. */
  function connectWith(origin: string | undefined): Promise<'connected' | string> {
    return new Promise((resolve) => {
      const sock = ioClient(s.url, {
        auth: { token: inviteToken, worker: 'origin-test' },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        ...(origin === undefined ? {} : { extraHeaders: { origin } }),
      });
      sock.once('connect', () => {
        sock.disconnect();
        resolve('connected');
      });
      sock.once('connect_error', (e) => {
        sock.disconnect();
        resolve(`refused: ${e.message}`);
      });
    });
  }

  test('a page on another site cannot open a socket (its Origin is refused)', async () => {
    await expect(connectWith('https://evil.example')).resolves.toMatch(/^refused/);
    // Same host name on another port is another origin too.
    await expect(connectWith(`http://127.0.0.1:1`)).resolves.toMatch(/^refused/);
  });

  test('the server’s own origin, no Origin at all (judges, scripts) and an allowed extra origin connect', async () => {
    await expect(connectWith(s.url)).resolves.toBe('connected');
    await expect(connectWith(undefined)).resolves.toBe('connected');
    await expect(connectWith('https://study.example.org')).resolves.toBe('connected');
  });

  test('the public URL (CONCORD_PUBLIC_URL) is an allowed origin, e.g. behind a proxy that rewrites Host', async () => {
    const behind = await startServer({ publicUrl: 'https://concord.example.org/' });
    try {
      const token = await invite(behind, await makeProject(behind));
      const attempt = (origin: string) =>
        new Promise<string>((resolve) => {
          const sock = ioClient(behind.url, { auth: { token, worker: 'w1' }, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { origin } });
          sock.once('connect', () => (sock.disconnect(), resolve('connected')));
          sock.once('connect_error', () => (sock.disconnect(), resolve('refused')));
        });
      await expect(attempt('https://concord.example.org')).resolves.toBe('connected');
      await expect(attempt('https://study.example.org')).resolves.toBe('refused'); // allowed only on the other server
    } finally {
      await behind.close();
    }
  });

  test('polling from another site is refused too', async () => {
    const res = await fetch(`${s.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    const same = await fetch(`${s.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: s.url } });
    expect(same.status).toBe(200);
  });
});

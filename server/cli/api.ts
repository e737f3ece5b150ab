import fs from 'node:fs';
import type { ErrorBody } from '../../shared/errors';

/** How CLI commands reach a running server. */
export interface Remote {
  server: string;
  token?: string;
}

/**
 * Names, slice values and server messages echo imported files and annotators (untrusted): a control character (ESC
 * starts a terminal escape sequence that can rewrite the screen, retitle the window or hide text; CR and LF break a
 * table), a bidirectional override (reorders what follows it, as in "Trojan Source", Boucher & Anderson 2021) or a
 * line separator is shown as its \u escape instead of being sent to the terminal.
 */
const UNSAFE = /[\p{Cc}\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
export const clean = (s: string): string => s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function fail(message: string): never {
  process.stderr.write(`concord: ${message}\n`);
  process.exit(1);
}

/** Prints an API error as a person reads it: the message, then one line per detail (line, field, reason). */
export function reportError(error: ErrorBody | undefined, status: number): never {
  if (!error) fail(`The server answered ${status}`);
  const lines = [error.message];
  for (const d of error.details ?? []) lines.push(`  ${d.line !== undefined ? `line ${d.line}` : ''}${d.field ? `${d.line !== undefined ? '  ' : ''}${d.field}` : ''}: ${d.message}`);
  // Each line cleaned: a detail may quote an imported id or value.
  fail(lines.map(clean).join('\n'));
}

/** One request to the REST API; exits with the server's error in words on failure. A FormData body is sent as multipart (fetch sets its type). */
export async function request(remote: Remote, method: string, route: string, body?: string | Buffer | FormData, type = 'application/json'): Promise<Response> {
  if (!remote.token) fail('An admin token is needed: --token <token> or CONCORD_ADMIN_TOKEN (the server prints it at start)');
  let res: Response;
  try {
    res = await fetch(new URL(`/api${route}`, remote.server), {
      method,
      body,
      headers: { authorization: `Bearer ${remote.token}`, ...(body === undefined || body instanceof FormData ? {} : { 'content-type': type }) },
    });
  } catch {
    fail(`Cannot reach the Concord server at ${remote.server} (is it running? --server sets its URL)`);
  }
  if (!res.ok) {
    const json = (await res.json().catch(() => ({}))) as { error?: ErrorBody };
    reportError(json.error, res.status);
  }
  return res;
}

export async function requestJson<T = Record<string, unknown>>(remote: Remote, method: string, route: string, body?: string | Buffer | FormData, type?: string): Promise<T> {
  return (await (await request(remote, method, route, body, type)).json()) as T;
}

/**
 * Writes `file` through `write`; a download cut short (the server failed after its first byte, or the connection
 * dropped) removes the file rather than leave a truncated one (a Parquet file without its footer, a JSONL file
 * missing records, an archive without its end) that looks whole. The file is opened before the first byte, not by
 * the stream's own asynchronous open, which could otherwise create it after the removal.
 */
export async function writeWhole<T>(file: string, what: string, write: (out: fs.WriteStream) => Promise<T>): Promise<T> {
  let out: fs.WriteStream | undefined;
  try {
    out = fs.createWriteStream(file, { fd: fs.openSync(file, 'w') });
    return await write(out);
  } catch (e) {
    out?.destroy();
    fs.rmSync(file, { force: true });
    fail(`The ${what} stopped before its end (${e instanceof Error ? e.message : String(e)}): ${file} was removed, nothing was written`);
  }
}

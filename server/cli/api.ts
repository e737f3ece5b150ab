import type { ErrorBody } from '../../shared/errors';

/** How CLI commands reach a running server. */
export interface Remote {
  server: string;
  token?: string;
}

export function fail(message: string): never {
  process.stderr.write(`concord: ${message}\n`);
  process.exit(1);
}

/** Prints an API error as a person reads it: the message, then one line per detail (line, field, reason). */
export function reportError(error: ErrorBody | undefined, status: number): never {
  if (!error) fail(`The server answered ${status}`);
  const lines = [error.message];
  for (const d of error.details ?? []) lines.push(`  ${d.line !== undefined ? `line ${d.line}` : ''}${d.field ? `${d.line !== undefined ? '  ' : ''}${d.field}` : ''}: ${d.message}`);
  fail(lines.join('\n'));
}

/** One request to the REST API; exits with the server's error in words on failure. */
export async function request(remote: Remote, method: string, route: string, body?: string | Buffer, type = 'application/json'): Promise<Response> {
  if (!remote.token) fail('An admin token is needed: --token <token> or CONCORD_ADMIN_TOKEN (the server prints it at start)');
  let res: Response;
  try {
    res = await fetch(new URL(`/api${route}`, remote.server), {
      method,
      body,
      headers: { authorization: `Bearer ${remote.token}`, ...(body === undefined ? {} : { 'content-type': type }) },
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

export async function requestJson<T = Record<string, unknown>>(remote: Remote, method: string, route: string, body?: string | Buffer, type?: string): Promise<T> {
  return (await (await request(remote, method, route, body, type)).json()) as T;
}

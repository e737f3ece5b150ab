/** The dashboard's REST client: the admin token on every request, errors turned into {@link ServerError}s. */
import type { ErrorBody } from '../../../shared/errors';
import { ServerError } from './errors';

const KEY = 'concord.adminToken';

/** Takes `?token=` from the address bar into sessionStorage and drops it from the URL (history, screenshots). */
export function adoptToken(): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string) {
  sessionStorage.setItem(KEY, token);
}
export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

async function fail(res: Response): Promise<never> {
  let body: { error?: ErrorBody } | undefined;
  try {
    body = (await res.json()) as { error?: ErrorBody };
  } catch {
    /* not JSON: fall through to a plain message */
  }
  throw new ServerError(body?.error ?? { code: res.status >= 500 ? 'internal' : 'invalid-input', message: `The server answered ${res.status} ${res.statusText}` }, res.status);
}

export class Api {
  constructor(private readonly token: string) {}

  private async request(method: string, path: string, body?: BodyInit | object, type?: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) {
      // The browser writes the multipart content type itself, with the boundary it chose.
      payload = body;
    } else if (body instanceof Blob || typeof body === 'string') {
      payload = body;
      headers['content-type'] = type ?? 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(path, { method, headers, body: payload });
    if (!res.ok) await fail(res);
    return res;
  }

  async json<T>(method: string, path: string, body?: BodyInit | object, type?: string): Promise<T> {
    const res = await this.request(method, path, body, type);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get = <T>(path: string) => this.json<T>('GET', path);
  post = <T>(path: string, body?: object) => this.json<T>('POST', path, body ?? {});
  put = <T>(path: string, body?: object) => this.json<T>('PUT', path, body ?? {});
  patch = <T>(path: string, body?: object) => this.json<T>('PATCH', path, body ?? {});
  del = <T>(path: string) => this.json<T>('DELETE', path);

  /** Sends a file as it is; the content type tells the server its encoding (JSONL, JSON or CSV). */
  upload<T>(path: string, file: Blob, type: string) {
    return this.json<T>('POST', path, file, type);
  }

  /**
   * Sends a multipart body (an items file with the image files it names, or with a zip of them): the server reads
   * the part named `items` as the file to import and every other part as a file, named by its relative path.
   */
  uploadParts<T>(path: string, parts: FormData) {
    return this.json<T>('POST', path, parts);
  }

  /** A file behind the token as a Blob (an `<img src>` cannot send a header either: show it by an object URL). */
  async blob(path: string): Promise<Blob> {
    return (await this.request('GET', path)).blob();
  }

  /** Downloads a file behind the token (an `<a download>` cannot send a header). */
  async download(path: string, filename: string) {
    const res = await this.request('GET', path);
    const url = URL.createObjectURL(await res.blob());
    const a = Object.assign(document.createElement('a'), { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** The content type a dropped file is sent as, from its name. */
export function contentTypeOf(name: string): string | null {
  const ext = name.toLowerCase().split('.').pop();
  if (ext === 'jsonl' || ext === 'ndjson') return 'application/x-ndjson';
  if (ext === 'json') return 'application/json';
  if (ext === 'csv') return 'text/csv';
  return null;
}

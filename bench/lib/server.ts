import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, type App, type AppDeps } from '../../server/app';
import { loadConfig } from '../../server/config';
import { migrate, openDatabase, type Db } from '../../server/db/database';

export interface BenchServer {
  app: App;
  db: Db;
  url: string;
  /** A REST call with the admin token; throws with the status and body on an error answer. */
  api<T>(method: string, route: string, body?: string, type?: string): Promise<T>;
  close(): Promise<void>;
}

/**
 * The real server as `serve` builds it (WAL, synchronous = FULL, migrations), on 127.0.0.1 and a free port, in
 * the bench process. `prepare` runs on the open database before the app is built (a what-if pragma, say).
 */
export async function startBenchServer(dbFile: string, opts: { prepare?: (db: Db) => void; onCommand?: AppDeps['onCommand'] } = {}): Promise<BenchServer> {
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dbFile, logLevel: 'silent' });
  const db = openDatabase(dbFile);
  opts.prepare?.(db);
  migrate(db);
  const app = createApp({ db, config, logger: pino({ level: 'silent' }), onCommand: opts.onCommand });
  await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  return {
    app,
    db,
    url,
    async api<T>(method: string, route: string, body?: string, type = 'application/json'): Promise<T> {
      const res = await fetch(url + route, { method, headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': type }, body });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 500)}`);
      return JSON.parse(text) as T;
    },
    async close() {
      await app.close();
      db.close();
    },
  };
}

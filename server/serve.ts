import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, type App } from './app';
import type { Config } from './config';
import { migrate, openDatabase, type Db } from './db/database';

export interface Running {
  /** Migrations applied at this start (empty when the database was up to date). */
  applied: number[];
  app: App;
  db: Db;
  url: string;
  stop(): Promise<void>;
}

/** Opens (creating and migrating) the database and starts the HTTP and socket.io servers. */
export async function serve(config: Config): Promise<Running> {
  const logger = pino({ level: config.logLevel });
  const db = openDatabase(config.dbFile);
  const applied = migrate(db);
  logger.debug({ module: 'db', applied }, 'migrations applied');
  const app = createApp({ db, config, logger });
  await new Promise<void>((resolve, reject) => {
    app.http.once('error', reject);
    app.http.listen(config.port, config.host, () => resolve());
  });
  const port = (app.http.address() as AddressInfo).port;
  const url = config.publicUrl ?? `http://localhost:${port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
    db.close();
  };
  return { applied, app, db, url, stop };
}

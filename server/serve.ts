import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from './app';
import type { Config } from './config';
import { openForServing, type Db } from './db/database';
import { lockDatabase } from './db/lock';
import { createLogger } from './logger';

export interface Running {
  /** Migrations applied at this start (empty when the database was up to date). */
  applied: number[];
  /** How long the start-up integrity check (`PRAGMA quick_check`) took, in milliseconds. */
  integrityMs: number;
  app: App;
  db: Db;
  url: string;
  stop(): Promise<void>;
}

/**
 * Takes the database's lock (one server per database), opens it (refusing a damaged one or one from a newer
 * Concord), migrates it and starts the HTTP and socket.io servers. A refused start throws with a one-line message.
 */
export async function serve(config: Config): Promise<Running> {
  const logger = createLogger({ level: config.logLevel });
  const memory = config.dbFile === ':memory:';
  const lock = memory ? null : lockDatabase(config.dbFile);
  let db: Db | undefined;
  let app: App | undefined;
  try {
    const opened = openForServing(config.dbFile);
    db = opened.db;
    const { applied, integrityMs } = opened;
    logger.debug({ module: 'db', applied, integrityMs }, 'database checked and migrated');
    const started = createApp({ db, config, logger });
    app = started;
    // Assignment pools are read before the port opens: on first use a big project's read would stall everyone.
    const t0 = performance.now();
    let labels = 0;
    const pools = started.tasks.loadAll();
    for (const p of pools) {
      if ('error' in p) logger.error({ module: 'assignment', projectId: p.projectId, err: p.error }, 'assignment pool not loaded');
      else labels += p.labels;
    }
    logger.info({ module: 'assignment', projects: pools.length, labels, ms: Math.round(performance.now() - t0) }, 'assignment pools loaded');
    await new Promise<void>((resolve, reject) => {
      started.http.once('error', reject);
      started.http.listen(config.port, config.host, () => resolve());
    });
    const port = (started.http.address() as AddressInfo).port;
    const url = config.publicUrl ?? `http://localhost:${port}`;
    logger.info({ module: 'server', url, db: memory ? ':memory:' : path.resolve(config.dbFile), integrityMs, applied }, 'server started');
    let stopped = false;
    const open = db;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await started.close();
      open.close();
      lock?.release();
      logger.info({ module: 'server' }, 'server stopped');
    };
    return { applied, integrityMs, app: started, db, url, stop };
  } catch (e) {
    await app?.close().catch(() => undefined);
    if (db?.open) db.close();
    lock?.release();
    throw e;
  }
}

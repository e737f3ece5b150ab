import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Who holds a database: what `<db>.lock` says. */
export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder took the lock (UTC epoch ms). */
  startedAt: number;
}

export interface DatabaseLock {
  file: string;
  holder: LockHolder;
  /** Removes the lock file if it is still this process's (idempotent). */
  release(): void;
}

/** A start refused before anything was served: its message is one line for the person starting the server. */
export class StartRefused extends Error {}

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/**
 * Takes `<db>.lock` for this process, or throws `StartRefused` naming the server that holds it. See
 * docs/decisions/0005-one-server-per-database.md: the assignment pool lives in one process's memory, so two servers
 * on one database would each hand out the same slots.
 *
 * The file is created atomically with its content (written beside it, then hard-linked into place, which fails if
 * the name exists), so a reader never sees a half-written lock. A lock whose process is gone (same host: the PID is
 * dead, is this process's own PID from an earlier life, or belongs to a process started after the lock was taken)
 * is stale and taken over. A lock from another host cannot be checked from here and is refused with how to clear it.
 */
export function lockDatabase(dbFile: string, clock: () => number = Date.now): DatabaseLock {
  const db = path.resolve(dbFile);
  const file = `${db}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: clock() };
  const body = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (create(file, body)) return handle(file, me);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: try again
      throw e;
    }
    const holder = parse(text);
    if (!holder)
      throw new StartRefused(`${db} has a lock file that is not Concord's or is damaged (${file}): if no Concord server is using this database, delete ${file} and start again`);
    const state = check(holder, me.host);
    if (state === 'live')
      throw new StartRefused(`${db} is in use by another Concord server (PID ${holder.pid} on ${holder.host}, since ${when(holder.startedAt)}): stop that one first, or start this one with another --db`);
    if (state === 'elsewhere')
      throw new StartRefused(
        `${db} is locked by a Concord server on another host (PID ${holder.pid} on ${holder.host}, since ${when(holder.startedAt)}); if that server has stopped, delete ${file} and start again`,
      );
    // Stale: remove it only if it is still the lock we judged, so two servers taking over at once cannot both win.
    if (readOrNull(file) === text) fs.rmSync(file, { force: true });
  }
  throw new StartRefused(`${db}: could not take ${file} (other servers keep starting on this database)`);
}

/** Creates `file` holding `body` if no such file exists; false if one does. */
function create(file: string, body: string): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, body, { flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // File systems without hard links: an exclusive create, then the content (a reader may briefly see it empty).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      try {
        fs.writeFileSync(file, body, { flag: 'wx' });
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e2;
      }
    }
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function handle(file: string, me: LockHolder): DatabaseLock {
  const mine = `${JSON.stringify(me)}\n`;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    // Never remove a lock another server has since taken over.
    if (readOrNull(file) === mine) fs.rmSync(file, { force: true });
  };
  // A crash that still runs exit handlers (an uncaught exception, process.exit) leaves no lock behind.
  process.on('exit', release);
  return { file, holder: me, release };
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function parse(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isInteger(v.pid) && typeof v.host === 'string' && typeof v.startedAt === 'number') return v as LockHolder;
  } catch {
    // fall through
  }
  return null;
}

function check(h: LockHolder, host: string): 'live' | 'stale' | 'elsewhere' {
  if (h.host !== host) return 'elsewhere';
  // This process cannot already hold the lock: its own PID in the file is from an earlier life (a restarted container).
  if (h.pid === process.pid) return 'stale';
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return 'stale'; // no such process
  }
  const started = processStart(h.pid);
  // The PID was reused (after a reboot, say): the process now using it started after the lock was taken.
  if (started !== null && started > h.startedAt + 2000) return 'stale';
  return 'live';
}

/** When a process started (epoch ms), from Linux's /proc; null elsewhere. */
function processStart(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime, in clock ticks after boot); fields after the command name, which may hold spaces.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
    // USER_HZ is 100 on every Linux architecture Node runs on.
    if (!btime || !Number.isFinite(ticks)) return null;
    return Number(btime[1]) * 1000 + ticks * 10;
  } catch {
    return null;
  }
}

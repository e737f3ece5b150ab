import path from 'node:path';
import { z } from 'zod';
import { API_KEY_VARIABLE } from '../shared/constants';
import '../shared/schemas'; // installs the house zod messages (shared/zod-messages.ts) for the config's errors

/** The server's settings, read from the environment once at start-up; nothing else reads `process.env`. */
export const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  host: z.string().min(1).default('0.0.0.0'),
  dbFile: z.string().min(1).default(path.join('data', 'concord.db')),
  /** When set, the admin token; otherwise one is generated on first start and kept in the database. */
  adminToken: z.string().min(16, { error: 'CONCORD_ADMIN_TOKEN must be at least 16 characters' }).optional(),
  /** The URL people reach the server at, used in printed and invite links. Defaults to http://localhost:PORT. */
  publicUrl: z.url().optional(),
  /**
   * Origins besides the server's own (and `publicUrl`'s) whose pages may open the websocket, e.g. a reverse proxy
   * under another name. Comma-separated in the environment; each is reduced to its origin (scheme://host:port).
   */
  allowedOrigins: z
    .preprocess((v) => (typeof v === 'string' ? v.split(',').map((o) => o.trim()).filter(Boolean) : v), z.array(z.url({ protocol: /^https?$/, error: 'each must be an http(s) origin such as https://study.example.org' })))
    .transform((list) => list.map((o) => new URL(o).origin))
    .default([]),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest import body accepted, in bytes. */
  // A million items of JSONL is about 544 MiB (issue 14); bodies are spooled to disk, not held in memory.
  maxImportBytes: z.coerce.number().int().min(1024).default(2 * 1024 * 1024 * 1024),
  /** Largest single import record (one JSONL line, array element or CSV row), in bytes. */
  maxRecordBytes: z.coerce.number().int().min(256).default(1024 * 1024),
  /** Scheduled backups (server/backup/schedule.ts): the folder they are written to; none when unset. */
  backupDir: z.string().min(1).optional(),
  /** Seconds between scheduled backups: a number of seconds, or a duration such as `90s`, `30m`, `6h`, `1d`. */
  backupEvery: z
    .preprocess(durationSeconds, z.number({ error: 'must be a number of seconds or a duration such as 30m, 6h or 1d' }).int().min(1))
    .optional(),
  /** How many scheduled backups are kept (the newest). */
  backupKeep: z.coerce.number().int().min(1).default(7),
});
export type Config = z.infer<typeof ConfigSchema>;

/** `6h` → 21600; a bare number is seconds; anything else is passed on for zod to refuse. */
function durationSeconds(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$/i.exec(v);
  if (!m) return v;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase() as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

const ENV: Record<keyof Config, string> = {
  port: 'PORT',
  host: 'HOST',
  dbFile: 'CONCORD_DB',
  adminToken: 'CONCORD_ADMIN_TOKEN',
  publicUrl: 'CONCORD_PUBLIC_URL',
  allowedOrigins: 'CONCORD_ALLOWED_ORIGINS',
  logLevel: 'LOG_LEVEL',
  maxImportBytes: 'CONCORD_MAX_IMPORT_BYTES',
  maxRecordBytes: 'CONCORD_MAX_RECORD_BYTES',
  backupDir: 'CONCORD_BACKUP_DIR',
  backupEvery: 'CONCORD_BACKUP_EVERY',
  backupKeep: 'CONCORD_BACKUP_KEEP',
};

/** Parses the environment (and explicit overrides, e.g. CLI flags); throws naming the variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') raw[key] = env[name];
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) raw[key] = value;
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${ENV[i.path[0] as keyof Config] ?? String(i.path[0])}: ${i.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  if ((parsed.data.backupDir === undefined) !== (parsed.data.backupEvery === undefined))
    throw new Error('Invalid configuration: CONCORD_BACKUP_DIR and CONCORD_BACKUP_EVERY go together (the folder, and the seconds or duration such as 6h between backups)');
  return parsed.data;
}

/**
 * A judge's API key, by the variable name its registration gives (`api_key_env`). Keys are named per judge at run
 * time, so they cannot be fields of the start-up config; this is the one other place that reads the environment.
 */
export const readSecret = (name: string): string | undefined => (API_KEY_VARIABLE.test(name) ? process.env[name] : undefined);

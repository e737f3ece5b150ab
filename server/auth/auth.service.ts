import type { Db } from '../db/database';
import type { SocketData } from '../../shared/protocol';
import { AppError } from '../errors';
import type { AnnotatorsRepo } from '../annotators/annotators.repo';
import type { InvitesRepo } from '../invites/invites.repo';
import { hashToken, newToken, sameSecret } from './tokens';

const WORKER_ID = /^[\w.@:+-]{1,200}$/;

/** Resolves the admin token at start-up: the configured one, else the one kept in the database, else a new one. */
export function resolveAdminToken(db: Db, configured: string | undefined): { token: string; generated: boolean } {
  if (configured) return { token: configured, generated: false };
  const row = db.prepare<[], { value: string }>("SELECT value FROM settings WHERE key = 'admin_token'").get();
  if (row) return { token: row.value, generated: false };
  const token = newToken('admin');
  db.prepare("INSERT INTO settings (key, value) VALUES ('admin_token', ?)").run(token);
  return { token, generated: true };
}

/** Who is asking, from a token (and for a crowd worker, the worker id the platform passed). */
export class AuthService {
  constructor(
    private readonly adminToken: string,
    private readonly invites: InvitesRepo,
    private readonly annotators: AnnotatorsRepo,
    private readonly clock: () => number,
  ) {}

  isAdmin(token: string | undefined): boolean {
    return typeof token === 'string' && sameSecret(token, this.adminToken);
  }

  /** Whether the token belongs to an annotator (invite or judge) of this server; creates nothing. */
  isAnnotatorToken(token: string): boolean {
    const hash = hashToken(token);
    return this.invites.byTokenHash(hash) !== undefined || this.annotators.byTokenHash(hash) !== undefined;
  }

  /** The identity of a socket, or an error saying why the token is refused. */
  identify(token: unknown, worker: unknown): SocketData {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200)
      throw new AppError('unauthorized', 'A token is required: connect with auth: { token } (an invite, judge or admin token)');
    if (this.isAdmin(token)) return { role: 'admin' };
    const hash = hashToken(token);
    const invite = this.invites.byTokenHash(hash);
    if (invite) {
      if (invite.revoked_at !== null) throw new AppError('forbidden', 'This join link has been revoked; ask the researcher for a new one');
      if (typeof worker !== 'string' || worker.trim() === '' || worker.length > 200)
        throw new AppError('invalid-input', 'A worker id is required with a join link (auth: { token, worker }); crowd platforms pass it in the URL');
      // Crowd platforms' ids (Prolific's PROLIFIC_PID, MTurk's workerId) and e-mail-like ids fit this; markup does not.
      if (!WORKER_ID.test(worker.trim()))
        throw new AppError('invalid-input', 'A worker id may hold letters, digits and . _ - @ : + only (up to 200 characters)');
      const a = this.annotators.ensure(invite.project_id, 'human', worker.trim(), this.clock());
      return { role: 'annotator', kind: 'human', projectId: invite.project_id, annotatorId: a.id, inviteId: invite.id };
    }
    const judge = this.annotators.byTokenHash(hash);
    if (judge) {
      if (judge.archived_at !== null)
        throw new AppError('forbidden', `The judge "${judge.name}" is archived; restore it (PATCH {"archived": false}) to run it again`);
      return { role: 'annotator', kind: 'llm', projectId: judge.project_id, annotatorId: judge.id, inviteId: null };
    }
    throw new AppError('unauthorized', 'This token is not valid for this server');
  }
}

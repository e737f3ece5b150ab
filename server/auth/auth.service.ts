/** Who is asking: the admin token, join links (invites) and judges' tokens, resolved to a socket identity. */
import type { SocketData } from '../../shared/protocol';
import { AppError } from '../errors';
import type { AnnotatorsRepo } from '../annotators/annotators.repo';
import type { InvitesRepo } from '../invites/invites.repo';
import type { AuthRepo } from './auth.repo';
import { hashToken, newToken, sameSecret } from './tokens';
import { STUDY_FULL, type Crowd } from './crowd';

const WORKER_ID = /^[\w.@:+-]{1,200}$/;

/** A crowd platform's study or session id from the join URL (Prolific STUDY_ID / SESSION_ID, MTurk hitId / assignmentId). */
function platformId(value: unknown, what: 'study' | 'session'): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !WORKER_ID.test(value.trim()))
    throw new AppError('invalid-input', `A ${what} id may hold letters, digits and . _ - @ : + only (up to 200 characters)`);
  return value.trim();
}

/** Resolves the admin token at start-up: the configured one, else the one kept in the database, else a new one. */
export function resolveAdminToken(repo: AuthRepo, configured: string | undefined): { token: string; generated: boolean } {
  if (configured) return { token: configured, generated: false };
  const stored = repo.adminToken();
  if (stored !== undefined) return { token: stored, generated: false };
  const token = newToken('admin');
  repo.saveAdminToken(token);
  return { token, generated: true };
}

/** Who is asking, from a token (and for a crowd worker, the worker id the platform passed). */
export class AuthService {
  constructor(
    private readonly adminToken: string,
    private readonly invites: InvitesRepo,
    private readonly annotators: AnnotatorsRepo,
    private readonly clock: () => number,
    private readonly crowd: Crowd,
  ) {}

  isAdmin(token: string | undefined): boolean {
    return typeof token === 'string' && sameSecret(token, this.adminToken);
  }

  /** Whether the token belongs to an annotator (invite or judge) of this server; creates nothing. */
  isAnnotatorToken(token: string): boolean {
    const hash = hashToken(token);
    return this.invites.byTokenHash(hash) !== undefined || this.annotators.byTokenHash(hash) !== undefined;
  }

  /**
   * The identity of a socket, or an error saying why the token is refused. Creates nothing: a crowd worker becomes
   * an annotator at their first label (see crowd.ts); a returning one is looked up.
   */
  identify(token: unknown, worker: unknown, platform: { study?: unknown; session?: unknown } = {}): SocketData {
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
      const key = worker.trim();
      const study = platformId(platform.study, 'study');
      const session = platformId(platform.session, 'session');
      const a = this.annotators.find(invite.project_id, 'human', key);
      if (!this.crowd.admits(invite, key, a?.id ?? null)) throw new AppError('forbidden', STUDY_FULL);
      return { role: 'annotator', kind: 'human', projectId: invite.project_id, annotatorId: a?.id ?? null, inviteId: invite.id, worker: key, study, session };
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

import type { InviteView } from '../../shared/views';
import { InviteCreate } from '../../shared/schemas';
import { notFound, parseOrThrow } from '../errors';
import { hashToken, newToken } from '../auth/tokens';
import type { DomainEvents } from '../events';
import type { InviteRow, InvitesRepo } from './invites.repo';

export class InvitesService {
  constructor(
    private readonly repo: InvitesRepo,
    private readonly clock: () => number,
    /** Raises `invite:revoked`. */
    private readonly events: DomainEvents,
  ) {}

  private view(r: InviteRow, baseUrl: string, workers: number): InviteView {
    return {
      id: r.id,
      label: r.label,
      token: r.token,
      url: `${baseUrl.replace(/\/$/, '')}/join/${r.token}?worker=`,
      created_at: new Date(r.created_at).toISOString(),
      revoked_at: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
      max_workers: r.max_workers,
      workers,
    };
  }

  create(projectId: number, body: unknown, baseUrl: string): InviteView {
    const { label, max_workers } = parseOrThrow(InviteCreate, body ?? {}, 'invite');
    const token = newToken('invite');
    return this.view(this.repo.insert(projectId, token, hashToken(token), label || null, max_workers ?? null, this.clock()), baseUrl, 0);
  }

  list(projectId: number, baseUrl: string): InviteView[] {
    const workers = this.repo.workerCounts(projectId);
    return this.repo.list(projectId).map((r) => this.view(r, baseUrl, workers.get(r.id) ?? 0));
  }

  /** Revokes a join link: it stops working at once and its connected annotators are disconnected. */
  revoke(projectId: number, inviteId: number, baseUrl: string): InviteView {
    const r = this.repo.revoke(projectId, inviteId, this.clock());
    if (!r) throw notFound('Invite');
    this.events.emit('invite:revoked', { projectId, inviteId: r.id });
    return this.view(r, baseUrl, this.repo.workerCounts(projectId).get(r.id) ?? 0);
  }
}

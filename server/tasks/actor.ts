/**
 * Who is labelling (an annotator of a project, as their socket's token established) and who may be served no
 * more: what the task flows (tasks.service.ts) and the label-storing path (submissions.ts) both check.
 */
import { BLOCKED_MESSAGES } from '../../shared/protocol';
import { AppError } from '../errors';
import type { CrowdWorker } from '../auth/crowd';

/** Who is labelling: an annotator of a project, as the socket's token established. */
export interface Actor {
  projectId: number;
  /** For a crowd worker who has not labelled yet, a provisional (negative) id: see server/auth/crowd.ts. */
  readonly annotatorId: number;
  kind: 'human' | 'llm';
  /** Humans: the crowd worker (shared by their sockets) and where this socket joined from, written on each label. */
  crowd?: { worker: CrowdWorker; inviteId: number; study: string | null; session: string | null };
}

/**
 * The tasks one connection was handed (socket.ts keeps one per socket). A judge's lease handed to a connection
 * that is still open is that lane's, not free for another worker sharing the token: it is re-handed only once
 * that connection has closed (a restarted worker gets its tasks back; two live workers never judge the same task).
 */
export class Handed {
  readonly ids = new Set<string>();
  open = true;
}

/** Who is served nothing more (server/annotators: blocked by a researcher or by the project's gold-check bar). */
export interface AnnotatorGate {
  blocked(projectId: number, annotatorId: number): 'researcher' | 'qualification' | null;
}

/** Nobody is blocked (the default when no gate is given). */
export const OPEN_GATE: AnnotatorGate = { blocked: () => null };

/** A blocked human is served nothing more, told kindly why (the message is the annotator page's end screen). */
export function refuseBlocked(gate: AnnotatorGate, actor: Actor): void {
  const blocked = gate.blocked(actor.projectId, actor.annotatorId);
  if (blocked) throw new AppError('forbidden', BLOCKED_MESSAGES[blocked]);
}

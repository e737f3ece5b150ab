/**
 * The annotator's state: the session, the task on screen, a prefetched next task, what is being typed, and the
 * connection. The task and its answer live here, not in the socket, so a dropped connection changes nothing on
 * screen; a label whose ack was lost is sent again with the same clientLabelId and stored once.
 */
import type { AnnotatorProgress, SessionInfo, SubmitResult, Task } from '../../../shared/protocol';
import { AnnotatorSocket, type PlatformIds } from '../lib/socket';
import { AckTimeout } from '../../../shared/socket-command';
import { ServerError, messageOf } from '../lib/errors';
import { nudgeCertainty, snapCertainty } from '../../../shared/certainty';
import { DEFAULT_LEASE_SECONDS } from '../../../shared/constants';
import type { Ranking } from '../../../shared/ranking';
import { RankingPick } from './ranking.svelte';
import { withObjectUrls } from '../lib/items/images';

export type Phase = 'need-worker' | 'connecting' | 'intro' | 'labelling' | 'empty' | 'fatal';
type Value = string | number;

interface Pending {
  leaseId: string;
  value: Value | Ranking;
  certainty: number | null;
  rationale: string | null;
  clientLabelId: string;
}

/** How often to look whether the tasks held should be kept alive. */
const HEARTBEAT_TICK_MS = 10_000;
/** Most time between heartbeats (less when the project's lease is short: a third of it). */
const HEARTBEAT_MS = 60_000;
/** While every remaining task is held by others, the page asks again this often. */
export const WAIT_RETRY_MS = 20_000;
const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart', 'input'] as const;

/**
 * The crowd platform's study and session ids from the join URL: Prolific's STUDY_ID and SESSION_ID, MTurk's hitId
 * and assignmentId (its preview placeholder is not an id). Stored with each label.
 */
export function platformIds(search: string): PlatformIds {
  const q = new URLSearchParams(search);
  const pick = (...names: string[]) => names.map((n) => q.get(n)?.trim()).find((v) => v && v !== 'ASSIGNMENT_ID_NOT_AVAILABLE') ?? null;
  return { study: pick('STUDY_ID', 'hitId'), session: pick('SESSION_ID', 'assignmentId') };
}
const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);

export class AnnotatorState {
  phase = $state<Phase>('connecting');
  session = $state<SessionInfo | null>(null);
  task = $state<Task | null>(null);
  /** Object URLs of the stored images of the task on screen. */
  private imageUrls: string[] = [];
  value = $state<Value | null>(null);
  /** A ranking task's ranking in the making (display positions), else null. */
  ranking = $state<RankingPick | null>(null);
  certainty = $state<number | null>(null);
  rationale = $state('');
  progress = $state<AnnotatorProgress | null>(null);
  online = $state(false);
  /** Shown quietly while the connection is down. */
  offline = $state(false);
  /** A sentence about the last submission or key press (never a raw error code). */
  notice = $state<string | null>(null);
  fatal = $state<string | null>(null);
  sending = $state(false);
  worker = $state('');
  /** What the last Enter found missing, so the page can put focus where the annotator has to act. */
  missing = $state<'value' | 'certainty' | 'rationale' | null>(null);

  private sock: AnnotatorSocket | null = null;
  private prefetched: Task | null = null;
  private prefetching: Promise<Task | null> | null = null;
  private clientLabelId = newId();
  private pending: Pending | null = null;
  private everConnected = false;
  private offlineTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastBeat = 0;
  /** When the person last pressed a key or moved the pointer: tasks are kept alive only while they are active. */
  private lastActive = Date.now();
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly token: string,
    worker: string,
    private readonly platform: PlatformIds = platformIds(typeof location === 'undefined' ? '' : location.search),
  ) {
    this.worker = worker.trim();
    if (!this.worker) this.phase = 'need-worker';
  }

  private get startedKey() {
    return `concord.started.${this.token}.${this.worker}`;
  }

  connect(worker?: string) {
    if (worker !== undefined) this.worker = worker.trim();
    if (!this.worker) return;
    this.phase = 'connecting';
    this.sock?.close();
    this.sock = new AnnotatorSocket(this.token, this.worker, {
      connect: () => void this.onConnect(),
      disconnect: () => this.onDisconnect(),
      refused: (message, fatal) => {
        if (fatal) {
          this.fatal = message;
          this.phase = 'fatal';
          this.sock?.close();
        } else if (!this.everConnected) this.notice = message;
      },
    }, this.platform);
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.keepAlive(), HEARTBEAT_TICK_MS);
    for (const e of ACTIVITY_EVENTS) window.addEventListener(e, this.touch, { passive: true, capture: true });
  }

  private readonly touch = () => {
    this.lastActive = Date.now();
  };

  close() {
    clearInterval(this.heartbeat);
    clearTimeout(this.retry);
    for (const e of ACTIVITY_EVENTS) window.removeEventListener(e, this.touch, { capture: true });
    clearTimeout(this.offlineTimer);
    this.sock?.close();
  }

  private async onConnect() {
    this.online = true;
    clearTimeout(this.offlineTimer);
    this.offline = false;
    if (!this.everConnected) {
      this.everConnected = true;
      this.notice = null;
      try {
        this.session = await this.sock!.session();
        this.progress = this.session.progress;
      } catch (e) {
        this.fatal = messageOf(e);
        this.phase = 'fatal';
        return;
      }
      const returning = this.progress!.done > 0 || localStorage.getItem(this.startedKey) === '1';
      if (returning) await this.begin();
      else this.phase = 'intro';
      return;
    }
    // A reconnect: the task on screen and its answer are untouched. Send what was waiting, then top up.
    if (this.pending) await this.send(this.pending);
    else if (this.phase === 'labelling') this.prefetch();
  }

  private onDisconnect() {
    this.online = false;
    // Quiet: a blip shorter than this shows nothing at all.
    clearTimeout(this.offlineTimer);
    this.offlineTimer = setTimeout(() => (this.offline = !this.online), 400);
  }

  /** Start (or resume) labelling. */
  async begin() {
    localStorage.setItem(this.startedKey, '1');
    this.phase = 'labelling';
    if (this.task) return;
    const t = await this.fetchTask();
    if (t) this.show(t);
    else await this.finish();
  }

  /** `task:next`, skipping leases already held on screen or in reserve (a new socket hands them back again). */
  private async fetchTask(): Promise<Task | null> {
    for (let i = 0; i < 4; i++) {
      let t: Task | null;
      try {
        t = await this.sock!.next();
      } catch (e) {
        if (!(e instanceof AckTimeout)) this.notice = messageOf(e);
        return null;
      }
      if (!t) return null;
      if (t.leaseId !== this.task?.leaseId && t.leaseId !== this.prefetched?.leaseId) return t;
    }
    return null;
  }

  private show(t: Task) {
    // Stored images arrive as bytes: shown by object URL, each released once its task has left the screen.
    for (const u of this.imageUrls) URL.revokeObjectURL(u);
    const shown = withObjectUrls(t.item);
    this.imageUrls = shown.urls;
    this.task = { ...t, item: shown.item };
    this.value = null;
    this.ranking = t.item.answers ? new RankingPick(t.item.answers.length) : null;
    this.certainty = null;
    this.rationale = '';
    this.notice = null;
    this.clientLabelId = newId();
    this.prefetch();
  }

  /** Holds one task in reserve, unless this annotator's cap means it could never be used. */
  private prefetch() {
    if (this.prefetched || this.prefetching || !this.online || !this.task) return;
    const p = this.progress;
    if (p && p.target !== null && p.done + 1 >= p.target) return;
    const job = this.fetchTask();
    this.prefetching = job;
    void job.then((t) => {
      if (this.prefetching === job) this.prefetching = null;
      if (t) this.prefetched = t;
    });
  }

  /** Which answer, rating or option is chosen. */
  choose(v: Value) {
    this.value = v;
    this.notice = null;
  }

  /** Sets certainty to the scale step nearest `c`: the value shown is the value sent (shared/certainty.ts). */
  setCertainty(c: number) {
    const s = this.session?.project.certainty;
    if (!s) return;
    this.certainty = snapCertainty(s, c);
  }

  /** Moves certainty to the next tenth of its scale, from the middle when it is not set yet. */
  nudgeCertainty(dir: 1 | -1) {
    const s = this.session?.project.certainty;
    if (!s) return;
    this.certainty = nudgeCertainty(s, this.certainty, dir);
  }

  /**
   * Validates and sends the label. Resolves true when the next task (or the end screen) is on screen, false when
   * the annotator has something to fix or the label is waiting for the connection.
   */
  async submit(): Promise<boolean> {
    const s = this.session;
    const t = this.task;
    if (!s || !t || this.sending) return false;
    this.missing = null;
    const value = this.ranking ? this.ranking.value() : this.value;
    if (value === null) {
      this.missing = 'value';
      this.notice = this.ranking ? `Rank every answer first: type their numbers, best first (${this.ranking.left} left).` : s.project.type === 'pairwise' ? 'Choose an answer first: 1 or A, 2 or B, 3 or T for a tie.' : s.project.type === 'rating' ? 'Choose a rating first (type its number).' : 'Choose an option first (type its number).';
      return false;
    }
    if (s.project.certainty && this.certainty === null) {
      this.missing = 'certainty';
      this.notice = 'Say how sure you are first: move the certainty slider (keys - and =).';
      return false;
    }
    const rationale = this.rationale.trim();
    if (s.project.rationale === 'required' && !rationale) {
      this.missing = 'rationale';
      this.notice = 'This project asks for a reason: write a few words in the box (key R) before submitting.';
      return false;
    }
    return this.send({
      leaseId: t.leaseId,
      value,
      certainty: s.project.certainty ? this.certainty : null,
      rationale: s.project.rationale === 'off' ? null : rationale || null,
      clientLabelId: this.clientLabelId,
    });
  }

  private async send(p: Pending): Promise<boolean> {
    this.pending = p;
    if (!this.online) {
      this.notice = 'Your answer is kept and will be sent as soon as the connection is back.';
      return false;
    }
    this.sending = true;
    let res: SubmitResult;
    try {
      res = await this.sock!.submit(p);
    } catch (e) {
      this.sending = false;
      if (e instanceof AckTimeout || !this.online) {
        this.notice = 'Your answer is kept and will be sent as soon as the connection is back.';
        return false;
      }
      this.pending = null;
      if (e instanceof ServerError && e.body.code === 'lease-expired') {
        this.notice = 'This task was open too long and went back to the pool, so this answer was not saved. Here is the next one.';
        return this.advance(true);
      }
      if (e instanceof ServerError && e.body.code === 'forbidden') return this.stopped();
      this.notice = messageOf(e);
      return false;
    }
    this.sending = false;
    this.pending = null;
    this.progress = res.progress;
    if (res.blocked) return this.stopped();
    return this.advance(false);
  }

  /** This annotator is served nothing more (blocked): no prefetched task is shown; the end screen says why. */
  private async stopped(): Promise<boolean> {
    this.prefetched = null;
    this.prefetching = null;
    this.task = null;
    await this.finish();
    return true;
  }

  private async advance(keepNotice: boolean): Promise<boolean> {
    const notice = this.notice;
    let next = this.takePrefetched();
    if (!next && this.prefetching) {
      await this.prefetching;
      next = this.takePrefetched();
    }
    if (!next) next = await this.fetchTask();
    if (next) {
      this.show(next);
      if (keepNotice) this.notice = notice;
    } else {
      this.task = null;
      await this.finish();
    }
    return true;
  }

  private takePrefetched(): Task | null {
    const t = this.prefetched;
    this.prefetched = null;
    return t && t.expiresAt > Date.now() + 5_000 ? t : null;
  }

  /**
   * Nothing to hand out: show the end screen, with the completion code the server gives only when this person is
   * really done. While the remaining tasks are only held by others (`waiting`), ask again every {@link WAIT_RETRY_MS}.
   */
  private async finish(lookAgain = true) {
    this.phase = 'empty';
    clearTimeout(this.retry);
    try {
      this.session = await this.sock!.session();
      this.progress = this.session.progress;
    } catch {
      // Offline at this moment: the end screen still says there is nothing left; "Check again" fetches the code.
    }
    if (this.session?.waiting) this.retry = setTimeout(() => void this.checkAgain(false), WAIT_RETRY_MS);
    // Neither waiting nor finished: a task came between the two questions (a judge passed an item on). Look once more.
    else if (lookAgain && this.session && !this.session.finished && this.session.progress.done > 0) await this.checkAgain(false, false);
  }

  /** From the end screen (by its button, or by itself while waiting): ask again, as others' tasks may have lapsed. */
  async checkAgain(asked = true, lookAgain = true) {
    clearTimeout(this.retry);
    const t = await this.fetchTask();
    if (t) {
      this.phase = 'labelling';
      this.show(t);
    } else {
      await this.finish(lookAgain);
      if (asked) this.notice = this.session?.waiting ? 'Still taken: this page keeps checking by itself.' : 'Still nothing: there are no tasks left for you right now.';
    }
  }

  /**
   * Keeps the tasks held alive, but only while the page is visible and its person has pressed a key or moved the
   * pointer within one lease length: a task left open in a forgotten tab goes back to the pool for someone else.
   */
  private keepAlive() {
    if (!this.online || !this.sock) return;
    const leaseMs = (this.session?.project.lease_seconds ?? DEFAULT_LEASE_SECONDS.human) * 1000;
    const now = Date.now();
    if (now - this.lastBeat < Math.min(HEARTBEAT_MS, leaseMs / 3)) return;
    if (document.visibilityState !== 'visible' || now - this.lastActive > leaseMs) return;
    this.lastBeat = now;
    for (const t of [this.task, this.prefetched]) {
      if (!t) continue;
      this.sock.heartbeat(t.leaseId).then(
        ({ expiresAt }) => (t.expiresAt = expiresAt),
        () => {
          if (t === this.prefetched) this.prefetched = null;
        },
      );
    }
  }
}

/**
 * One mode of the routing benchmark on a fresh project of the real server: the items imported over REST as a
 * `choice` project with the data's classes as options and certainty on (1–100), an invite for the crowd, and under
 * escalation the simulated judges registered and named in `routing`. Then the crowd (and the judges) label until
 * nothing is left, each human answering a task with the item's next unused real label, so an item's k-th human
 * label is its k-th Mechanical Turk label.
 */
import { performance } from 'node:perf_hooks';
import type { Task } from '../../shared/protocol';
import { sendCommand, type CommandSocket } from '../../shared/socket-command';
import type { BenchServer } from '../lib/server';
import { annotate, connect, type Answerer, type LoopStats } from './clients';
import type { Crowd } from './data';
import type { PersonaJudge, Verdict } from './persona';

export type Redundancy = number | { min: number; max: number; stop: 'unanimous' };

export interface ModeSpec {
  name: string;
  redundancy: Redundancy;
  /** Escalation: the cascade, first judge first, and the routing's target, delta and calibration share. */
  escalate?: { judges: PersonaJudge[]; target: number; delta: number; calibration: number };
}

export interface Replayed {
  projectId: number;
  /** Per item (by external id): the real labels the crowd gave, in the order the server stored them. */
  given: Map<string, string[]>;
  /** Per judge name, per item: the verdict it gave. */
  verdicts: Map<string, Map<string, Verdict>>;
  judgeIds: Map<string, number>;
  crowd: LoopStats;
  judges: Record<string, LoopStats>;
  /** The crowds that came one after another (more than one: annotators were sent home while work remained). */
  waves: Wave[];
  seconds: number;
  timedOut: boolean;
}

/**
 * The Mechanical Turk labels carry no certainty, but the project asks for one (its judges must state theirs): the
 * simulated humans state the top of the scale. Nothing in these modes reads a human's certainty (the consensus is
 * the plurality of the votes; thresholds are certified on the judges' certainties).
 */
const HUMAN_CERTAINTY = 100;

const maxOf = (r: Redundancy) => (typeof r === 'number' ? r : r.max);

/** The project, its items, an invite and (escalation) its judges, over REST; returns the ids and tokens. */
async function setUp(server: BenchServer, crowd: Crowd, spec: ModeSpec): Promise<{ projectId: number; invite: string; judges: Array<{ judge: PersonaJudge; id: number; token: string }> }> {
  const { api } = server;
  const project = await api<{ id: number }>(
    'POST',
    '/api/projects',
    JSON.stringify({ name: `Routing benchmark: ${crowd.dataset}, ${spec.name}`, type: 'choice', options: crowd.classes, redundancy: spec.redundancy, certainty: true }),
  );
  const lines = crowd.items.map((it) => JSON.stringify({ id: it.id, question: `Snow et al. (2008) ${crowd.dataset} item ${it.id}: which class?` }));
  await api('POST', `/api/projects/${project.id}/items`, lines.join('\n') + '\n', 'application/x-ndjson');
  const invite = await api<{ token: string }>('POST', `/api/projects/${project.id}/invites`, '{}');
  const judges: Array<{ judge: PersonaJudge; id: number; token: string }> = [];
  if (spec.escalate) {
    for (const judge of spec.escalate.judges) {
      const j = await api<{ id: number; token: string }>('POST', `/api/projects/${project.id}/judges`, JSON.stringify({ name: judge.name, model: `simulated ${judge.name} (persona certainty)` }));
      judges.push({ judge, id: j.id, token: j.token });
    }
    const { target, delta, calibration } = spec.escalate;
    await api('PATCH', `/api/projects/${project.id}`, JSON.stringify({ routing: { mode: 'escalate', judges: judges.map((j) => j.id), target, delta, calibration } }));
  }
  return { projectId: project.id, invite: invite.token, judges };
}

/** Hands each human task the item's next unused real label; a label not stored goes back for the next task of the item. */
function crowdAnswerer(crowd: Crowd, given: Map<string, string[]>): Answerer {
  const byId = new Map(crowd.items.map((it) => [it.id, it]));
  const taken = new Map<string, number>();
  const returned = new Map<string, number[]>();
  const inFlight = new Map<string, number>();
  return {
    answer(task: Task) {
      const it = byId.get(task.item.id);
      if (!it) throw new Error(`The server served an item the data do not have: ${task.item.id}`);
      const back = returned.get(it.id);
      const k = back?.length ? back.shift()! : (taken.set(it.id, (taken.get(it.id) ?? 0) + 1), taken.get(it.id)! - 1);
      if (k >= it.labels.length) throw new Error(`Item ${it.id} was served for a human label past its ${it.labels.length} real ones`);
      inFlight.set(task.leaseId, k);
      return { value: it.labels[k]!, certainty: HUMAN_CERTAINTY };
    },
    settled(task: Task, stored: boolean) {
      const k = inFlight.get(task.leaseId)!;
      inFlight.delete(task.leaseId);
      const it = byId.get(task.item.id)!;
      if (stored) given.set(it.id, [...(given.get(it.id) ?? []), it.labels[k]!]);
      else returned.set(it.id, [...(returned.get(it.id) ?? []), k].sort((a, b) => a - b));
    },
  };
}

function judgeAnswerer(crowd: Crowd, judge: PersonaJudge, verdicts: Map<string, Verdict>): Answerer {
  const index = new Map(crowd.items.map((it, i) => [it.id, i]));
  return {
    answer(task: Task) {
      const i = index.get(task.item.id);
      if (i === undefined) throw new Error(`The server served judge ${judge.name} an item the data do not have: ${task.item.id}`);
      const v = judge.verdict(i, crowd.items[i]!.truth, crowd.classes);
      verdicts.set(task.item.id, v);
      return { value: v.value, certainty: v.certainty };
    },
  };
}

/** Waves of fresh annotators a mode may take before the benchmark gives up on it. */
const MAX_WAVES = 10;

export interface Wave {
  humanLabels: number;
  /** Seconds from the mode's start to the wave's end. */
  seconds: number;
  /** What a new annotator was served once the wave had stopped (an item id), or null when nothing was left. */
  leftAfter: string | null;
  /** That item's human labels at the time. */
  labelsSoFar: number;
  /** What the wave's first annotator, asking again then, was served (null: nothing). */
  leftForOld: string | null;
}

function add(to: LoopStats, s: LoopStats): void {
  to.labels += s.labels;
  to.waits += s.waits;
  for (const [k, v] of Object.entries(s.errors)) to.errors[k] = (to.errors[k] ?? 0) + v;
}

/** Whether a new human would still be served a task (released at once, unanswered): its item id, or null. */
async function workLeft(url: string, invite: string, worker: string): Promise<string | null> {
  const probe = await connect(url, { token: invite, worker });
  try {
    const next = await sendCommand(probe, 'task:next', {}, 30_000);
    if (!next.ok) throw new Error(`probe: task:next refused: ${next.error.message}`);
    if (!next.data) return null;
    await sendCommand(probe, 'task:release', { leaseId: next.data.leaseId }, 30_000);
    return next.data.item.id;
  } finally {
    probe.disconnect();
  }
}

/** Runs one mode to the end (or the deadline); the sockets are closed before it returns. */
export async function replay(server: BenchServer, crowd: Crowd, spec: ModeSpec, o: { clients: number; pollMs: number; deadlineSeconds: number }): Promise<Replayed> {
  const longest = Math.min(...crowd.items.map((it) => it.labels.length));
  if (maxOf(spec.redundancy) > longest) throw new Error(`${spec.name}: an item may take ${maxOf(spec.redundancy)} human labels, but some items have only ${longest} real ones`);
  const { projectId, invite, judges } = await setUp(server, crowd, spec);
  const given = new Map<string, string[]>();
  const verdicts = new Map<string, Map<string, Verdict>>();
  const sockets: CommandSocket[] = [];
  let timedOut = false;
  const deadline = setTimeout(() => (timedOut = true), o.deadlineSeconds * 1000);
  const count = (m: Map<string, unknown[]>) => [...m.values()].reduce((a, l) => a + l.length, 0);
  const ticker = setInterval(
    () => console.log(`[routing]   ${spec.name}: ${count(given)} human labels${[...verdicts].map(([n, m]) => `, ${n} ${m.size} verdicts`).join('')}`),
    10_000,
  );
  const started = performance.now();
  const answerer = crowdAnswerer(crowd, given);
  const judgeAnswerers = judges.map((j) => {
    const mine = new Map<string, Verdict>();
    verdicts.set(j.judge.name, mine);
    return judgeAnswerer(crowd, j.judge, mine);
  });
  const crowdStats: LoopStats = { labels: 0, waits: 0, errors: {} };
  const judgeStats: LoopStats[] = judges.map(() => ({ labels: 0, waits: 0, errors: {} }));
  const loop = { pollMs: o.pollMs, stopped: () => timedOut };
  const waves: Wave[] = [];
  try {
    // A wave: a fresh crowd (and the judges) labels until each is told nothing is left and nothing waits. If a new
    // annotator then still finds a task, the first were sent home too early: another wave comes (as new workers
    // would on a crowd platform), and the benchmark counts it as a violation.
    for (let w = 1; !timedOut; w++) {
      const tag = w === 1 ? '' : `w${w}-`;
      const humans = await Promise.all(Array.from({ length: o.clients }, (_, i) => connect(server.url, { token: invite, worker: `turker-${tag}${String(i + 1).padStart(3, '0')}` })));
      const judgeSockets = await Promise.all(judges.map((j) => connect(server.url, { token: j.token })));
      sockets.push(...humans, ...judgeSockets);
      const before = count(given);
      const [js, hs] = await Promise.all([
        Promise.all(judgeSockets.map((s, i) => annotate(s, `judge-${judges[i]!.judge.name}-${w}`, judgeAnswerers[i]!, loop))),
        Promise.all(humans.map((s, i) => annotate(s, `turker-${tag}${i + 1}`, answerer, loop))),
      ]);
      js.forEach((s, i) => add(judgeStats[i]!, s));
      hs.forEach((s) => add(crowdStats, s));
      for (const s of [...humans, ...judgeSockets]) s.disconnect();
      const left = await workLeft(server.url, invite, `probe-${w}`);
      // The same question for one of the wave's own annotators: is the work new, or was it there for them too?
      const leftForOld = left && (await workLeft(server.url, invite, `turker-${tag}001`));
      const labelsSoFar = left ? (given.get(left)?.length ?? 0) : 0;
      waves.push({ humanLabels: count(given) - before, seconds: (performance.now() - started) / 1000, leftAfter: left, labelsSoFar, leftForOld: leftForOld || null });
      if (!left) break;
      console.log(`[routing]   ${spec.name}: every annotator of wave ${w} was told nothing waits, yet a new one is served ${left} (${labelsSoFar} human labels so far; the wave's first annotator ${leftForOld ? `is served ${leftForOld}` : 'is not'}): wave ${w + 1}`);
      if (w >= MAX_WAVES) break;
    }
    return {
      projectId,
      given,
      verdicts,
      judgeIds: new Map(judges.map((j) => [j.judge.name, j.id])),
      crowd: crowdStats,
      judges: Object.fromEntries(judges.map((j, i) => [j.judge.name, judgeStats[i]!])),
      waves,
      seconds: (performance.now() - started) / 1000,
      timedOut,
    };
  } finally {
    clearTimeout(deadline);
    clearInterval(ticker);
    for (const s of sockets) s.disconnect();
  }
}

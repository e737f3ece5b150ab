/**
 * One mode of the routing benchmark on a fresh project of the real server: the items imported over REST as a
 * `choice` project with the data's classes as options and certainty on (1–100), an invite for the crowd, and under
 * escalation the simulated judges registered and named in `routing`. Then the crowd (and the judges) label until
 * nothing is left, each human answering a task with the item's next unused real label, so an item's k-th human
 * label is its k-th Mechanical Turk label.
 */
import { performance } from 'node:perf_hooks';
import type { Task } from '../../shared/protocol';
import type { CommandSocket } from '../../shared/socket-command';
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
  try {
    const humans = await Promise.all(Array.from({ length: o.clients }, (_, i) => connect(server.url, { token: invite, worker: `turker-${String(i + 1).padStart(3, '0')}` })));
    const judgeSockets = await Promise.all(judges.map((j) => connect(server.url, { token: j.token })));
    sockets.push(...humans, ...judgeSockets);
    const loop = { pollMs: o.pollMs, stopped: () => timedOut };
    const answerer = crowdAnswerer(crowd, given);
    const judgeRuns = judges.map((j, i) => {
      const mine = new Map<string, Verdict>();
      verdicts.set(j.judge.name, mine);
      return annotate(judgeSockets[i]!, `judge-${j.judge.name}`, judgeAnswerer(crowd, j.judge, mine), loop);
    });
    const humanRuns = humans.map((s, i) => annotate(s, `turker-${i + 1}`, answerer, loop));
    const [judgeStats, humanStats] = await Promise.all([Promise.all(judgeRuns), Promise.all(humanRuns)]);
    const crowdStats: LoopStats = { labels: 0, waits: 0, errors: {} };
    for (const s of humanStats) {
      crowdStats.labels += s.labels;
      crowdStats.waits += s.waits;
      for (const [k, v] of Object.entries(s.errors)) crowdStats.errors[k] = (crowdStats.errors[k] ?? 0) + v;
    }
    return {
      projectId,
      given,
      verdicts,
      judgeIds: new Map(judges.map((j) => [j.judge.name, j.id])),
      crowd: crowdStats,
      judges: Object.fromEntries(judges.map((j, i) => [j.judge.name, judgeStats[i]!])),
      seconds: (performance.now() - started) / 1000,
      timedOut,
    };
  } finally {
    clearTimeout(deadline);
    clearInterval(ticker);
    for (const s of sockets) s.disconnect();
  }
}

/**
 * What one mode of the routing benchmark measured, read back from the server as a researcher would (progress,
 * the gold export), and the invariants checked against what the simulated annotators sent: the server's record
 * must agree with the replay item by item, or the benchmark fails.
 */
import type { ProjectProgress } from '../../shared/protocol';
import type { RoutingState } from '../../shared/routing';
import { REPORT_TEST_DEFAULTS } from '../../shared/constants';
import { inCalibration } from '../../shared/routing';
import { certifiedThreshold } from '../../shared/stats/selective';
import type { BenchServer } from '../lib/server';
import { majority, type Crowd } from './data';
import type { ModeSpec, Replayed } from './replay';

/** A gold export record's fields the benchmark reads (escalation adds the `decided_*` columns). */
interface GoldRow {
  id: string;
  label: string | number;
  n: number;
  source: string;
  labels: Array<{ annotator: string; kind: string; value: string | number | null }>;
  decided_by?: 'judge' | 'humans';
  decided_judge?: string | null;
  decided_certainty?: number | null;
  decided_threshold?: number | null;
}

export interface ModeResult {
  mode: string;
  redundancy: ModeSpec['redundancy'];
  items: number;
  /** Human labels spent (progress `human_budget.spent`) against the fixed budget (items × the most an item may take). */
  humanLabels: number;
  budget: number;
  /** Items by how many human labels they took (`per_item[k]`). */
  perItem: number[];
  /** Share of items whose consensus (the judge's verdict where a judge decided) is the expert key's class. */
  accuracy: number;
  correct: number;
  escalate: null | {
    target: number;
    delta: number;
    calibration: number;
    decidedByJudges: number;
    judgeShare: number;
    /** Agreement with the expert key of the verdicts judges decided (null when they decided none). */
    judgeAccuracy: number | null;
    byJudge: Record<string, { decided: number; correct: number; threshold: number | null; calibrationPoints: number; calibrationAgreement: number | null }>;
    routing: RoutingState | null;
  };
  seconds: number;
  /** Human labels per wave of annotators (one wave when nobody was sent home early). */
  waves: Replayed['waves'];
  crowdWaits: number;
  errors: Record<string, number>;
  violations: string[];
}

async function goldRows(server: BenchServer, projectId: number): Promise<GoldRow[]> {
  const res = await fetch(`${server.url}/api/projects/${projectId}/export?kind=gold&format=jsonl`, { headers: { authorization: `Bearer ${server.app.adminToken}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(`gold export of project ${projectId}: ${res.status} ${text.slice(0, 300)}`);
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as GoldRow);
}

/** The human-label rule's bounds for an item whose first labels are `first` (what adaptive redundancy may do with it). */
function allowed(r: ModeSpec['redundancy'], labels: string[]): { least: number; most: number; rule: string } {
  if (typeof r === 'number') return { least: r, most: r, rule: `fixed ${r}` };
  const unanimous = new Set(labels.slice(0, r.min)).size <= 1;
  return unanimous ? { least: r.min, most: r.min, rule: `first ${r.min} unanimous: exactly ${r.min}` } : { least: r.max, most: r.max, rule: `first ${r.min} disagree: exactly ${r.max}` };
}

/**
 * Each judge's threshold certified again from the replay's own record (what the judges said, the human labels the
 * crowd gave on the calibration share, their plurality as the reference), as the router does it: judge k on the
 * calibration items no judge before it took at its threshold (Jung, Brahman & Choi 2025's cascade calibration).
 */
function independentThresholds(crowd: Crowd, spec: ModeSpec, run: Replayed, internal: Map<string, number>): Array<number | null> {
  const { target, delta, calibration, judges } = spec.escalate!;
  const calib = crowd.items.filter((it) => inCalibration(run.projectId, internal.get(it.id)!, calibration));
  const taken = new Set<string>();
  return judges.map((j) => {
    const said = run.verdicts.get(j.name)!;
    const points = calib.flatMap((it) => {
      const ref = majority(run.given.get(it.id) ?? []);
      const v = said.get(it.id);
      return ref === null || !v || taken.has(it.id) ? [] : [{ id: it.id, certainty: v.certainty, agree: v.value === ref ? 1 : 0 }];
    });
    const fit = certifiedThreshold(Float64Array.from(points, (p) => p.certainty), Uint8Array.from(points, (p) => p.agree), { target, delta, minItems: REPORT_TEST_DEFAULTS.minItems });
    if (fit.threshold !== null) for (const p of points) if (p.certainty >= fit.threshold) taken.add(p.id);
    return fit.threshold;
  });
}

type Note = (violation: string) => void;

/** Item by item against the replay: consensus, human labels against the rule, and who decided. */
function checkItems(crowd: Crowd, spec: ModeSpec, run: Replayed, gold: Map<string, GoldRow>, internal: Map<string, number>, v: Note) {
  const tally = { correct: 0, decidedByJudges: 0, judgeCorrect: 0, byJudge: {} as Record<string, { decided: number; correct: number }> };
  const human = (g: GoldRow) => g.labels.filter((l) => l.kind === 'human').length;
  for (const it of crowd.items) {
    const g = gold.get(it.id);
    const given = run.given.get(it.id) ?? [];
    if (!g) {
      v(`${it.id}: no gold record (lost between judge and humans?)`);
      continue;
    }
    if (human(g) !== given.length) v(`${it.id}: the gold record lists ${human(g)} human labels, the crowd had ${given.length} acknowledged`);
    const right = String(g.label) === it.truth;
    if (right) tally.correct++;
    if (spec.escalate && g.decided_by === 'judge') {
      const name = g.decided_judge ?? '?';
      const verdict = run.verdicts.get(name)?.get(it.id);
      const mine = (tally.byJudge[name] ??= { decided: 0, correct: 0 });
      tally.decidedByJudges++;
      mine.decided++;
      if (right) tally.judgeCorrect++, mine.correct++;
      if (!verdict) v(`${it.id}: decided by judge ${name}, which gave it no verdict`);
      else if (String(g.label) !== verdict.value) v(`${it.id}: decided by judge ${name} as ${g.label}, but it said ${verdict.value}`);
      if (g.decided_threshold != null && (g.decided_certainty ?? -Infinity) < g.decided_threshold) v(`${it.id}: accepted at certainty ${g.decided_certainty} below the threshold ${g.decided_threshold}`);
      const calibration = inCalibration(run.projectId, internal.get(it.id)!, spec.escalate.calibration);
      if (given.length > 0 && !calibration) v(`${it.id}: decided by a judge, outside the calibration share, yet served to humans ${given.length} times`);
    } else {
      const rule = allowed(spec.redundancy, it.labels);
      if (given.length < rule.least || given.length > rule.most) v(`${it.id}: ${given.length} human labels, the rule (${rule.rule}) allows ${rule.least}–${rule.most}`);
      const m = majority(given);
      if (m !== null && String(g.label) !== m) v(`${it.id}: gold ${g.label}, but the majority of the labels given is ${m}`);
    }
  }
  return tally;
}

/** Escalation's figures, and its checks: nothing left waiting, thresholds as the replay certifies them. */
function escalation(crowd: Crowd, spec: ModeSpec, run: Replayed, routing: RoutingState | null, tally: ReturnType<typeof checkItems>, internal: Map<string, number>, v: Note): ModeResult['escalate'] {
  if (!spec.escalate) return null;
  if (!routing) v('an escalate project whose progress carries no routing state');
  else if (routing.items.pending !== 0) v(`${routing.items.pending} items still wait for a judge at the end`);
  const recomputed = independentThresholds(crowd, spec, run, internal);
  spec.escalate.judges.forEach((j, k) => {
    const server = routing?.judges.find((s) => s.name === j.name)?.threshold ?? null;
    if (server !== recomputed[k]) v(`judge ${j.name}: the server certified ${server}, the replay's own calibration record certifies ${recomputed[k]}`);
  });
  const { target, delta, calibration } = spec.escalate;
  return {
    target,
    delta,
    calibration,
    decidedByJudges: tally.decidedByJudges,
    judgeShare: tally.decidedByJudges / crowd.items.length,
    judgeAccuracy: tally.decidedByJudges ? tally.judgeCorrect / tally.decidedByJudges : null,
    byJudge: Object.fromEntries(
      spec.escalate.judges.map((j) => {
        const state = routing?.judges.find((s) => s.name === j.name);
        const mine = tally.byJudge[j.name] ?? { decided: 0, correct: 0 };
        return [j.name, { ...mine, threshold: state?.threshold ?? null, calibrationPoints: state?.calibration_points ?? 0, calibrationAgreement: state?.agreement ?? null }];
      }),
    ),
    routing,
  };
}

export async function measure(server: BenchServer, crowd: Crowd, spec: ModeSpec, run: Replayed): Promise<ModeResult> {
  const progress = await server.api<ProjectProgress>('GET', `/api/projects/${run.projectId}/progress`);
  const gold = new Map((await goldRows(server, run.projectId)).map((g) => [g.id, g]));
  const violations: string[] = [];
  const v: Note = (s) => void (violations.length < 50 && violations.push(s));
  if (run.timedOut) v(`the mode did not finish before its deadline (items still waiting or being labelled)`);
  run.waves.forEach((w, i) => {
    if (w.leftAfter)
      v(
        `wave ${i + 1}: every annotator was told nothing is left and nothing waits, yet a new one was then served ${w.leftAfter} (${w.labelsSoFar} human labels so far), ` +
          (w.leftForOld ? `and so was the wave's first annotator asking again (${w.leftForOld})` : "the wave's first annotator asking again was not"),
      );
  });
  const internal = new Map(
    (server.db.prepare('SELECT id, external_id FROM items WHERE project_id = ?').all(run.projectId) as Array<{ id: number; external_id: string }>).map((r) => [r.external_id, r.id]),
  );
  const tally = checkItems(crowd, spec, run, gold, internal, v);
  const acked = [...run.given.values()].reduce((a, l) => a + l.length, 0);
  if (progress.human_budget.spent !== acked) v(`progress says ${progress.human_budget.spent} human labels spent, the crowd had ${acked} acknowledged`);
  if (progress.human_budget.spent !== run.crowd.labels) v(`progress says ${progress.human_budget.spent} human labels spent, the crowd's loops counted ${run.crowd.labels}`);
  return {
    mode: spec.name,
    redundancy: spec.redundancy,
    items: crowd.items.length,
    humanLabels: progress.human_budget.spent,
    budget: progress.human_budget.budget,
    perItem: progress.human_budget.per_item,
    accuracy: tally.correct / crowd.items.length,
    correct: tally.correct,
    escalate: escalation(crowd, spec, run, progress.routing, tally, internal, v),
    seconds: run.seconds,
    waves: run.waves,
    crowdWaits: run.crowd.waits,
    errors: { ...run.crowd.errors, ...Object.fromEntries(Object.entries(run.judges).flatMap(([n, s]) => Object.entries(s.errors).map(([k, c]) => [`${n}:${k}`, c]))) },
    violations,
  };
}

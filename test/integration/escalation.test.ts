/**
 * Issue 13 part 2, judges first and humans where the judge is unsure, end to end: a real server on a free port,
 * real socket.io clients for the humans and the judges, a real SQLite file. Racing annotators and a two-judge
 * cascade label a pairwise project; afterwards the stored labels are checked against the rule: no item collects more
 * human labels than the redundancy allows, none is lost between the judges and the humans, an item a judge decided
 * has no human label unless it is a calibration item, and each judge's threshold is the one certified
 * (shared/stats/selective.ts, Jung et al. 2025) on the calibration share's stored labels, as they stand at the end.
 */
import type { ProjectProgress, SessionInfo, Task } from '../../shared/protocol';
import { inCalibration, type RoutingState } from '../../shared/routing';
import { certifiedThreshold } from '../../shared/stats/selective';
import { mulberry32 } from '../../shared/stats/random';
import { call, makeProject, ok, pairwiseItems, serversPerTest, type Client, type TestServer } from '../helpers/server';

const { server, restart } = serversPerTest();

const flip: Record<string, string> = { A: 'B', B: 'A' };
/** The value to send for a canonical answer: a task shown BA has its answers swapped on screen. */
const shown = (t: Task, canonical: string) => (t.order === 'BA' ? (flip[canonical] ?? canonical) : canonical);
/** Each item's truth: the better answer, by its number. */
const truth = (externalId: string) => (Number(externalId.slice(1)) % 3 === 0 ? 'B' : 'A');

/**
 * Asks for tasks and answers them until none is left and the server says nothing more will come (`waiting` false);
 * `answer` gives the canonical value and certainty for a task's item.
 */
async function work(c: Client, answer: (t: Task) => { value: string | null; certainty?: number }): Promise<number> {
  let n = 0;
  for (;;) {
    let t = await ok<Task | null>(c, 'task:next');
    if (t === null) {
      if ((await ok<SessionInfo>(c, 'session:get')).waiting) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      // Not waiting: either done, or work came between the two questions (then `waiting` is false too). Ask once more.
      t = await ok<Task | null>(c, 'task:next');
      if (t === null) return n;
    }
    const a = answer(t);
    const r = await call(c, 'label:submit', { leaseId: t.leaseId, value: a.value === null ? null : shown(t, a.value), certainty: a.certainty, clientLabelId: `l${n}` });
    if (!r.ok) throw new Error(`label:submit: ${r.error.message}`);
    n++;
  }
}

/** A judge whose certainty says how often it is right: 99 always, 95 almost always, 60 a coin flip, now and then no answer. */
function judgeAnswer(seed: number) {
  const rng = mulberry32(seed);
  return (t: Task) => {
    const u = rng();
    const certainty = u < 0.5 ? 99 : u < 0.75 ? 95 : 60;
    const right = certainty === 99 || (certainty === 95 ? rng() < 0.97 : rng() < 0.55);
    if (rng() < 0.03) return { value: null, certainty };
    const want = truth(t.item.id);
    return { value: right ? want : flip[want]!, certainty };
  };
}

/** Humans right 19 times in 20. */
function humanAnswer(seed: number) {
  const rng = mulberry32(seed);
  return (t: Task) => ({ value: rng() < 0.95 ? truth(t.item.id) : flip[truth(t.item.id)]!, certainty: 80 });
}

interface Row {
  item: number;
  ext: string;
  annotator: number;
  kind: string;
  value: string | null;
  certainty: number | null;
}
const labelsOf = (s: TestServer, pid: number) =>
  s.db
    .prepare(
      `SELECT l.item_id AS item, i.external_id AS ext, l.annotator_id AS annotator, a.kind, l.value, l.certainty FROM labels l
       JOIN items i ON i.id = l.item_id JOIN annotators a ON a.id = l.annotator_id WHERE l.project_id = ? ORDER BY l.id`,
    )
    .all(pid) as Row[];

/** A judge's verdict per item from the stored labels: every label agreeing and valid, at the least certainty. */
function verdicts(rows: Row[], judge: number, slots: number): Map<number, { value: string | null; certainty: number }> {
  const by = new Map<number, Row[]>();
  for (const r of rows) if (r.annotator === judge) by.set(r.item, [...(by.get(r.item) ?? []), r]);
  const out = new Map<number, { value: string | null; certainty: number }>();
  for (const [item, rs] of by) {
    if (rs.length < slots) continue;
    const same = rs.every((r) => r.value !== null && r.value === rs[0]!.value);
    out.set(item, { value: same ? rs[0]!.value : null, certainty: Math.min(...rs.map((r) => r.certainty ?? Number.NaN)) });
  }
  return out;
}

describe('escalation: settings', () => {
  test('escalate is refused naming the field: no certainty, a ranking, an unknown or archived judge, no judge; a good one reads back', async () => {
    const s = await server();
    const noCert = await makeProject(s, {}, pairwiseItems(2));
    const j = (await s.api('POST', `/api/projects/${noCert}/judges`, { name: 'j', model: 'm' })).body;
    let r = await s.api('PATCH', `/api/projects/${noCert}`, { routing: { mode: 'escalate', judges: [j.id] } });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].field).toBe('routing.mode');
    expect(r.body.error.message).toMatch(/certainty/);

    const pid = await makeProject(s, { certainty: true }, pairwiseItems(2));
    const a = (await s.api('POST', `/api/projects/${pid}/judges`, { name: 'a', model: 'm' })).body;
    r = await s.api('PATCH', `/api/projects/${pid}`, { routing: { mode: 'escalate', judges: [a.id, j.id] } });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].field).toBe('routing.judges.1');
    r = await s.api('PATCH', `/api/projects/${pid}`, { routing: { mode: 'escalate', judges: [] } });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].field).toBe('routing.judges');
    r = await s.api('PATCH', `/api/projects/${pid}`, { routing: { mode: 'escalate', judges: [a.id, a.id] } });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].field).toBe('routing.judges.1');
    r = await s.api('PATCH', `/api/projects/${pid}`, { routing: { mode: 'escalate', judges: [a.id], calibration: 0 } });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].field).toBe('routing.calibration');

    r = await s.api('PATCH', `/api/projects/${pid}`, { routing: { mode: 'escalate', judges: [a.id] } });
    expect(r.status).toBe(200);
    expect(r.body.routing).toEqual({ mode: 'escalate', judges: [a.id], target: 0.9, delta: 0.1, calibration: 0.1 });
    expect((await s.api('GET', `/api/projects/${pid}`)).body.routing).toEqual(r.body.routing);
    const p = await s.api('GET', `/api/projects/${pid}/progress`);
    expect(p.body.routing).toMatchObject({ target: 0.9, delta: 0.1, judges: [{ id: a.id, name: 'a', stage: 0, threshold: null }] });
    expect((await s.api('GET', `/api/projects/${noCert}/progress`)).body.routing).toBeNull();
    // Archiving a cascade judge later does not lock the project's other settings (the pool passes the judge over).
    expect((await s.api('PATCH', `/api/projects/${pid}/judges/${a.id}`, { archived: true })).status).toBe(200);
    r = await s.api('PATCH', `/api/projects/${pid}`, { name: 'renamed' });
    expect(r.status).toBe(200);
    expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.routing).toBeNull();

    const ranking = await s.api('POST', '/api/projects', { name: 'r', type: 'ranking', certainty: true });
    const rj = (await s.api('POST', `/api/projects/${ranking.body.id}/judges`, { name: 'r', model: 'm' })).body;
    r = await s.api('PATCH', `/api/projects/${ranking.body.id}`, { routing: { mode: 'escalate', judges: [rj.id] } });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].field).toBe('routing.mode');
  });
});

describe('escalation: racing judges and humans', () => {
  test('a two-judge cascade and racing humans: no over-collection, nothing lost, thresholds certified on the stored calibration labels; a restart keeps it', async () => {
    const ITEMS = 400;
    const SHARE = 0.4;
    const REDUNDANCY = 3;
    let s = await server();
    const pid = await makeProject(s, { certainty: { min: 1, max: 100 }, redundancy: REDUNDANCY }, pairwiseItems(ITEMS));
    const j1 = (await s.api('POST', `/api/projects/${pid}/judges`, { name: 'cheap', model: 'm', swap: true })).body;
    const j2 = (await s.api('POST', `/api/projects/${pid}/judges`, { name: 'strong', model: 'm' })).body;
    const set = await s.api('PATCH', `/api/projects/${pid}`, { routing: { mode: 'escalate', judges: [j1.id, j2.id], calibration: SHARE } });
    expect(set.status).toBe(200);

    // Watch the thresholds move as labels arrive.
    const watcher = await s.connect({ token: s.token });
    const seen: RoutingState[] = [];
    watcher.on('project:progress', (p: ProjectProgress) => p.routing && seen.push(p.routing));
    await ok(watcher, 'project:watch', { projectId: pid });

    const inv = (await s.api('POST', `/api/projects/${pid}/invites`, {})).body.token as string;
    // The second judge starts first: it must wait for what the first escalates, not quit.
    const judge2 = s.connect({ token: j2.token }).then((c) => work(c, judgeAnswer(2)));
    const humans = Array.from({ length: 12 }, (_, h) => s.connect({ token: inv, worker: `w${h}` }).then((c) => work(c, humanAnswer(100 + h))));
    const judge1 = s.connect({ token: j1.token }).then((c) => work(c, judgeAnswer(1)));
    await Promise.all([judge1, judge2, ...humans]);

    const progress = (await s.api('GET', `/api/projects/${pid}/progress`)).body as ProjectProgress;
    const routing = progress.routing!;
    expect(routing.items.pending).toBe(0);
    expect(routing.items.judges + routing.items.humans).toBe(ITEMS);
    expect(routing.judges.map((j) => j.id)).toEqual([j1.id, j2.id]);

    const rows = labelsOf(s, pid);
    const itemIds = (s.db.prepare('SELECT id, external_id AS ext FROM items WHERE project_id = ? ORDER BY id').all(pid) as Array<{ id: number; ext: string }>);
    const calib = new Set(itemIds.filter((i) => inCalibration(pid, i.id, SHARE)).map((i) => i.id));
    expect(routing.calibration_items).toBe(calib.size);
    const humanCount = new Map<number, number>();
    for (const r of rows) if (r.kind === 'human') humanCount.set(r.item, (humanCount.get(r.item) ?? 0) + 1);

    // Who decided each item, as the gold export says.
    const gold = await fetch(`${s.url}/api/projects/${pid}/export?kind=gold`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(gold.status).toBe(200);
    const records = (await gold.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byExt = new Map(records.map((r) => [r.id as string, r]));
    const v1 = verdicts(rows, j1.id, 2);
    const v2 = verdicts(rows, j2.id, 1);
    const t1 = routing.judges[0]!.threshold;
    const t2 = routing.judges[1]!.threshold;
    const accepted = (v: { value: string | null; certainty: number } | undefined, t: number | null) => !!v && v.value !== null && t !== null && v.certainty >= t;
    let byJudges = 0;
    for (const { id, ext } of itemIds) {
      const n = humanCount.get(id) ?? 0;
      expect(n).toBeLessThanOrEqual(REDUNDANCY); // never over-collected
      const rec = byExt.get(ext);
      if (calib.has(id)) {
        expect(n).toBe(REDUNDANCY); // calibration items always get the humans
        if (rec) expect(rec.decided_by).toBe('humans');
        continue;
      }
      if (rec?.decided_by === 'judge') {
        byJudges++;
        expect(n).toBe(0); // a judge's decision is never served to humans
        const first = rec.decided_judge === 'cheap';
        // Decided by the first judge whose verdict clears its final threshold, the ones before it not clearing theirs.
        if (first) expect(accepted(v1.get(id), t1)).toBe(true);
        else expect([accepted(v1.get(id), t1), accepted(v2.get(id), t2)]).toEqual([false, true]);
        expect(rec.label).toBe((first ? v1 : v2).get(id)!.value);
        expect(rec.source).toBe('judge');
        expect(rec.decided_certainty).toBe((first ? v1 : v2).get(id)!.certainty);
      } else {
        expect(n).toBe(REDUNDANCY); // escalated: not lost, labelled in full by the humans
      }
    }
    expect(byJudges).toBe(routing.items.judges);
    expect(byJudges).toBeGreaterThan(ITEMS / 4);
    // The second judge saw only the calibration items and what the first passed on (not everything).
    const seenBy2 = new Set(rows.filter((r) => r.annotator === j2.id).map((r) => r.item));
    expect(seenBy2.size).toBeLessThan(ITEMS);
    for (const c of calib) expect(seenBy2.has(c)).toBe(true);

    // Each threshold is the one certified on the calibration items' stored labels: humans' majority vs the verdict,
    // the second judge's on the calibration items the first did not decide (as the authors' cascade calibrates).
    const taken = new Set<number>();
    for (const [k, v] of [v1, v2].entries()) {
      const cert: number[] = [];
      const correct: number[] = [];
      for (const c of calib) {
        if (taken.has(c)) continue;
        const votes = rows.filter((r) => r.item === c && r.kind === 'human').map((r) => r.value);
        const a = votes.filter((x) => x === 'A').length;
        const ref = a * 2 > votes.length ? 'A' : 'B';
        const vv = v.get(c);
        if (!vv || vv.value === null || Number.isNaN(vv.certainty)) continue;
        cert.push(vv.certainty);
        correct.push(vv.value === ref ? 1 : 0);
      }
      const fit = certifiedThreshold(Float64Array.from(cert), Uint8Array.from(correct), { target: 0.9, delta: 0.1, minItems: 30 });
      expect(routing.judges[k]!.threshold).toBe(fit.threshold);
      expect(routing.judges[k]!.calibration_points).toBe(fit.calibrationItems);
      expect(routing.judges[k]!.agreement).toBe(fit.agreement);
      for (const c of calib) if (accepted(v.get(c), fit.threshold)) taken.add(c);
    }
    expect(t1).not.toBeNull();
    // The thresholds were recertified as labels arrived: none at first, then certified while labelling went on.
    expect(seen.some((r) => r.judges[0]!.threshold === null)).toBe(true);
    expect(seen.some((r) => r.judges[0]!.threshold !== null && r.items.pending > 0)).toBe(true);

    // The report states the same routing; a restart rebuilds the same decisions.
    const report = await s.api('GET', `/api/projects/${pid}/report`);
    expect(report.body.routing).toEqual(routing);
    s = await restart(s);
    const again = (await s.api('GET', `/api/projects/${pid}/progress`)).body as ProjectProgress;
    expect(again.routing).toEqual(routing);
  }, 120_000);
});

/**
 * The checks of `--routing escalate` (issue 13, part 2), once every client is told nothing is left: which items the
 * judges decided comes from the gold export's `decided_by`, the human labels from the database (a read-only
 * connection, as ./verify.ts), and the cascade's final state from `GET …/progress` (`routing`).
 */
import Database from 'better-sqlite3';
import type { ProjectProgress } from '../../shared/protocol';
import { inCalibration, type RoutingState } from '../../shared/routing';
import type { BenchServer } from '../lib/server';

export interface RoutingChecks {
  /** Items a judge decided that hold a human label and are not in the calibration share. */
  humanOnJudged: number;
  /** Calibration items the export says a judge decided (they are always the humans'). */
  judgedCalibration: number;
  /** Items no judge decided whose human labels the rule has not closed (fixed: fewer than redundancy). */
  undecided: number;
  /** The final routing state against the export: items still pending, plus the gap between their counts of judge-decided items. */
  stateMismatch: number;
  decidedByJudges: number;
  decidedByHumans: number;
  calibrationItems: number;
  /** Judge-decided items per judge name. */
  byJudge: Record<string, number>;
  /** The cascade as the server reports it at the end (thresholds, agreement on the calibration share). */
  state: RoutingState | null;
}

interface GoldRow {
  id: string;
  decided_by?: 'judge' | 'humans' | null;
  decided_judge?: string | null;
}

/** The gold export's `decided_*` per item id (JSONL, majority: no model to fit). */
async function decisions(server: BenchServer, projectId: number): Promise<Map<string, GoldRow>> {
  const res = await fetch(`${server.url}/api/projects/${projectId}/export?kind=gold&format=jsonl&method=majority`, { headers: { authorization: `Bearer ${server.app.adminToken}` } });
  if (!res.ok) throw new Error(`gold export: ${res.status} ${(await res.text()).slice(0, 300)}`);
  const rows = new Map<string, GoldRow>();
  for (const line of (await res.text()).split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as GoldRow;
    if (!('decided_by' in r)) throw new Error(`gold export: record ${r.id} has no decided_by column (does this server route by escalation?)`);
    rows.set(r.id, r);
  }
  return rows;
}

/**
 * Whether an item's human labels (values as JSON, in the order stored) have closed it: `redundancy` of them, or
 * under adaptive redundancy (`min` > 0, most `redundancy`) its first `min` agreeing or the most reached.
 */
function closed(values: string[], redundancy: number, min: number): boolean {
  if (min === 0) return values.length >= redundancy;
  if (values.length >= redundancy) return true;
  return values.length >= min && values.slice(0, min).every((v) => v === values[0]);
}

export async function verifyRouting(server: BenchServer, dbFile: string, projectId: number, o: { redundancy: number; min: number; calibration: number }): Promise<RoutingChecks> {
  const gold = await decisions(server, projectId);
  const state = (await server.api<ProjectProgress>('GET', `/api/projects/${projectId}/progress`)).routing;
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const human = new Map<number, string[]>();
    const labels = db.prepare<[number], { item_id: number; value: string }>(
      `SELECT l.item_id, l.value FROM labels l JOIN annotators a ON a.id = l.annotator_id
        WHERE l.project_id = ? AND a.kind = 'human' ORDER BY l.item_id, l.id`,
    );
    for (const r of labels.iterate(projectId)) {
      let list = human.get(r.item_id);
      if (!list) human.set(r.item_id, (list = []));
      list.push(JSON.stringify(r.value));
    }
    const c: RoutingChecks = { humanOnJudged: 0, judgedCalibration: 0, undecided: 0, stateMismatch: 0, decidedByJudges: 0, decidedByHumans: 0, calibrationItems: 0, byJudge: {}, state };
    const items = db.prepare<[number], { id: number; external_id: string }>('SELECT id, external_id FROM items WHERE project_id = ? ORDER BY id');
    for (const it of items.iterate(projectId)) {
      const calibration = inCalibration(projectId, it.id, o.calibration);
      if (calibration) c.calibrationItems++;
      const g = gold.get(it.external_id);
      const values = human.get(it.id) ?? [];
      if (g?.decided_by === 'judge') {
        c.decidedByJudges++;
        c.byJudge[g.decided_judge ?? '?'] = (c.byJudge[g.decided_judge ?? '?'] ?? 0) + 1;
        if (calibration) c.judgedCalibration++;
        else if (values.length > 0) c.humanOnJudged++;
      } else if (closed(values, o.redundancy, o.min)) c.decidedByHumans++;
      else c.undecided++;
    }
    c.stateMismatch = state === null ? 1 : state.items.pending + Math.abs(state.items.judges - c.decidedByJudges);
    return c;
  } finally {
    db.close();
  }
}

/**
 * The exports' byte-for-byte check (issue 14): 45 exports of three seeded projects written by the server of the tree
 * this file sits in, to compare with `cmp` against the same run of another tree (a `git archive` of the code before
 * a change, outside the tree, its node_modules linked).
 *
 *   node -r tsx/cjs bench/exports-big-identical.ts seed <db>         # once: the three projects, with odd text
 *   node -r tsx/cjs <tree>/bench/exports-big-identical.ts dump <db> <dir>   # each tree: on a copy of <db>
 *   cmp -s before/x after/x for each file
 *
 * The projects: report-seed's pairwise at 20,000 items, conversation and ranking at 5,000; labels' rationales hold
 * quotes, backslashes, commas, line breaks, control characters, U+2028, emoji and a lone surrogate; a judge's
 * labels carry meta (model, usage, latency); an excluded human, an archived judge and ~3% of items adjudicated.
 * Each project: gold under majority, mace and dawid-skene and with include_llm=1&min_certainty=40, and labels, each
 * in jsonl, csv and parquet.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase } from '../server/db/database';
import { startBenchServer } from './lib/server';
import { seed } from './report-seed';

const ODD = ['say "hi", then\nleave', 'back\\slash\ttab', 'ctl \u0001\u001f end', 'line\u2028sep\u2029', 'emoji 🎉 ok', 'lone \ud800 surrogate', '=SUM(A1)', '-1', ''];
const QUERIES = ['kind=gold&method=majority', 'kind=gold&method=mace', 'kind=gold&method=dawid-skene', 'kind=gold&method=majority&include_llm=1&min_certainty=40', 'kind=labels'];
const FORMATS = ['jsonl', 'csv', 'parquet'];

function seedAll(file: string): void {
  const db = openDatabase(file);
  migrate(db);
  db.pragma('synchronous = OFF');
  const pids = [seed(db, 'pairwise', 20_000, 20), seed(db, 'conversation', 5_000, 20), seed(db, 'ranking', 5_000, 20)];
  db.transaction(() => {
    for (const pid of pids) {
      const labels = db.prepare('SELECT id FROM labels WHERE project_id = ? ORDER BY id').pluck().all(pid) as number[];
      const setR = db.prepare('UPDATE labels SET rationale = ? WHERE id = ?');
      labels.forEach((id, i) => i % 7 === 0 && setR.run(ODD[(i / 7) % ODD.length]!, id));
      const judges = db.prepare("SELECT id FROM annotators WHERE project_id = ? AND kind = 'llm' ORDER BY id").pluck().all(pid) as number[];
      const meta = JSON.stringify({ model: 'gpt-x "q"', template: 't1', template_version: 'v2', raw: 'A\n\u2028', usage: { prompt_tokens: 12, completion_tokens: 3 }, latency_ms: 41.5 });
      db.prepare('UPDATE labels SET meta = ? WHERE annotator_id = ? AND id % 3 = 0').run(meta, judges[0]!);
      db.prepare('UPDATE annotators SET archived_at = 1 WHERE id = ?').run(judges[1]!);
      db.prepare("UPDATE annotators SET excluded = 1 WHERE project_id = ? AND key = 'h3'").run(pid);
      const items = db.prepare('SELECT id FROM items WHERE project_id = ? ORDER BY id').pluck().all(pid) as number[];
      const adj = db.prepare('INSERT INTO adjudications (item_id, value, note, by, created_at) VALUES (?, ?, ?, ?, ?)');
      const value = db.prepare('SELECT value FROM labels WHERE item_id = ? ORDER BY id LIMIT 1').pluck();
      items.forEach((id, i) => i % 33 === 5 && adj.run(id, value.get(id) as string, i % 2 ? 'note "x"\n' : null, 'researcher', 1_700_000_000_000 + i));
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

async function dump(file: string, out: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-identical-'));
  const copy = path.join(dir, 'c.db');
  fs.copyFileSync(file, copy);
  fs.mkdirSync(out, { recursive: true });
  const server = await startBenchServer(copy);
  try {
    const pids = server.db.prepare('SELECT id FROM projects ORDER BY id').pluck().all() as number[];
    for (const pid of pids)
      for (const q of QUERIES)
        for (const f of FORMATS) {
          const res = await fetch(`${server.url}/api/projects/${pid}/export?${q}&format=${f}`, { headers: { authorization: `Bearer ${server.app.adminToken}` } });
          const body = Buffer.from(await res.arrayBuffer());
          if (!res.ok) throw new Error(`${pid} ${q} ${f}: ${res.status} ${body.toString().slice(0, 300)}`);
          fs.writeFileSync(path.join(out, `p${pid}-${q.replace(/[&=]/g, '_')}.${f}`), body);
        }
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const [cmd, db, out] = process.argv.slice(2);
if (cmd === 'seed' && db) seedAll(db);
else if (cmd === 'dump' && db && out) void dump(db, out).then(() => process.exit(0), (e: unknown) => (console.error(e), process.exit(1)));
else console.error('usage: exports-big-identical.ts seed <db> | dump <db> <dir>');

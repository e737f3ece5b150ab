/**
 * The assignment benchmark's project, one per kind of item (issue 11): plain pairs (the issue-2 benchmark),
 * MT-Bench-shaped conversation pairs, rankings of 4–5 answers, or plain pairs with one or two stored images each.
 * Items go through the real REST import (in bodies of at most 64 MiB, as a big data set would be sent); a stored
 * image is written straight into the `files` table and the item's content, as the multipart import leaves them
 * (`file:<sha256>`, the import path as `name`), so what is measured is the task path, not the upload.
 * `--routing escalate` (issue 13, part 2) turns certainty on, registers `--judges` judges and sets the project's
 * `routing` to escalate through them in that order, calibration share `--calibration`.
 */
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { BenchServer } from '../lib/server';
import { conversationPair, noisePng, plainPair, rankingItem, seeded } from '../lib/items';

export const ASSIGN_KINDS = ['pairwise', 'conversation', 'ranking', 'images'] as const;
export type AssignKind = (typeof ASSIGN_KINDS)[number];
export const ROUTINGS = ['parallel', 'escalate'] as const;
export type RoutingChoice = (typeof ROUTINGS)[number];

/** How the project routes items: `parallel` leaves `routing` unset (judges and humans side by side; none here). */
export interface RoutingOptions {
  routing: RoutingChoice;
  judges: number;
  judgeLanes: number;
  calibration: number;
}

export interface SetUp {
  projectId: number;
  importSeconds: number;
  importMiB: number;
  token: string;
  /** Images kind: distinct files stored, their total size, and images referenced by items. */
  files?: { count: number; mib: number; meanKB: number; references: number };
  /** Escalate: the registered judges, in cascade order. */
  judges: Array<{ id: number; name: string; token: string }>;
}

const log = (s: string) => console.log(`[assign] ${s}`);
const BODY_LIMIT = 64 * 2 ** 20;

/** The project, through the real REST API: items imported (timed), an invite, and its pool loaded. */
export async function setUpProject(server: BenchServer, o: { kind: AssignKind; items: number; redundancy: number; min: number; posterior: number; images: number } & RoutingOptions): Promise<SetUp> {
  const { api } = server;
  const type = o.kind === 'ranking' ? 'ranking' : 'pairwise';
  // --min: adaptive redundancy (issue 13), stopping at min when the first labels agree, else up to --redundancy.
  // --posterior x: stop once the item's posterior reaches x (issue 13) instead.
  const stop = o.posterior > 0 ? { stop: 'posterior', posterior: o.posterior } : { stop: 'unanimous' };
  const redundancy = o.min > 0 ? { min: o.min, max: o.redundancy, ...stop } : o.redundancy;
  // Escalation reads the judges' certainties: the project asks for them (the default 1–100 scale).
  const escalate = o.routing === 'escalate';
  const project = await api<{ id: number }>('POST', '/api/projects', JSON.stringify({ name: `Assignment benchmark (${o.kind})`, type, redundancy, ...(escalate ? { certainty: true } : {}) }));
  const { seconds, bytes } = await importItems(server, project.id, o.kind, o.items);
  log(`imported ${o.items} ${o.kind} items (${(bytes / 2 ** 20).toFixed(1)} MiB of JSONL) in ${seconds.toFixed(1)} s`);
  const files = o.kind === 'images' ? storeImages(server, project.id, o.images) : undefined;
  const judges = escalate ? await setUpRouting(server, project.id, o) : [];
  const invite = await api<{ token: string }>('POST', `/api/projects/${project.id}/invites`, '{}');
  // A running server has its pool loaded: load it now (progress reads it) so it is not counted per annotator.
  await api('GET', `/api/projects/${project.id}/progress`);
  return { projectId: project.id, importSeconds: seconds, importMiB: bytes / 2 ** 20, token: invite.token, files, judges };
}

/**
 * Registers the cascade's judges over REST (each may hold 2 × `judgeLanes` leases, as a worker of that concurrency)
 * and sets `routing` to escalate through them, at the default target and δ.
 */
async function setUpRouting(server: BenchServer, projectId: number, o: RoutingOptions): Promise<SetUp['judges']> {
  const judges: SetUp['judges'] = [];
  for (let k = 1; k <= o.judges; k++) {
    const body = { name: `bench-judge-${k}`, model: `simulated-${k}`, concurrency: o.judgeLanes };
    judges.push(await server.api<{ id: number; name: string; token: string }>('POST', `/api/projects/${projectId}/judges`, JSON.stringify(body)));
  }
  const routing = { mode: 'escalate', judges: judges.map((j) => j.id), calibration: o.calibration };
  await server.api('PATCH', `/api/projects/${projectId}`, JSON.stringify({ routing }));
  log(`routing: escalate through ${judges.map((j) => j.name).join(' → ')}, calibration share ${o.calibration}`);
  return judges;
}

function record(kind: AssignKind, i: number, rnd: () => number): object {
  if (kind === 'conversation') return conversationPair(i, rnd);
  if (kind === 'ranking') return rankingItem(i, rnd);
  return plainPair(i);
}

/** Imports `n` items of the kind as JSONL, in bodies of at most 64 MiB; returns the time the imports took. */
async function importItems(server: BenchServer, projectId: number, kind: AssignKind, n: number): Promise<{ seconds: number; bytes: number }> {
  const rnd = seeded(20261202);
  let seconds = 0;
  let bytes = 0;
  let lines: string[] = [];
  let size = 0;
  const flush = async () => {
    if (lines.length === 0) return;
    const body = lines.join('\n') + '\n';
    lines = [];
    size = 0;
    const t = performance.now();
    await server.api<{ imported: number }>('POST', `/api/projects/${projectId}/items`, body, 'application/x-ndjson');
    seconds += (performance.now() - t) / 1000;
    bytes += Buffer.byteLength(body);
  };
  for (let i = 1; i <= n; i++) {
    const line = JSON.stringify(record(kind, i, rnd));
    if (size + line.length > BODY_LIMIT) await flush();
    lines.push(line);
    size += line.length + 1;
  }
  await flush();
  return { seconds, bytes };
}

/**
 * `count` distinct PNG files of 50–200 KB in the project's `files` table, and one or two of them (at random, each
 * file shared by several items, as COCO's images are by VQA's questions) on every item, in one transaction on the
 * server's own connection before its pool loads.
 */
function storeImages(server: BenchServer, projectId: number, count: number): NonNullable<SetUp['files']> {
  const rnd = seeded(7);
  const now = Date.now();
  const shas: string[] = [];
  let total = 0;
  let references = 0;
  const db = server.db;
  const insFile = db.prepare('INSERT OR IGNORE INTO files (project_id, sha256, media_type, size, data, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const items = db.prepare('SELECT id FROM items WHERE project_id = ? ORDER BY id').pluck().all(projectId) as number[];
  const setImages = db.prepare("UPDATE items SET content = json_set(content, '$.images', json(?)) WHERE id = ?");
  const t = performance.now();
  db.transaction(() => {
    for (let k = 0; k < Math.max(1, count); k++) {
      const png = noisePng(50_000 + rnd() * 150_000);
      const sha = crypto.createHash('sha256').update(png).digest('hex');
      insFile.run(projectId, sha, 'image/png', png.length, png, now);
      shas.push(sha);
      total += png.length;
    }
    for (const id of items) {
      const n = rnd() < 0.5 ? 1 : 2;
      const images = Array.from({ length: n }, (_, j) => {
        const k = Math.floor(rnd() * shas.length);
        return { src: `file:${shas[k]}`, name: `images/${String(k).padStart(5, '0')}.png`, ...(j === 0 ? { alt: `Figure for item ${id}` } : {}) };
      });
      references += n;
      setImages.run(JSON.stringify(images), id);
    }
  })();
  const mib = total / 2 ** 20;
  log(`stored ${shas.length} PNG files (${mib.toFixed(1)} MiB) and ${references} image references in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { count: shas.length, mib, meanKB: total / shas.length / 1000, references };
}

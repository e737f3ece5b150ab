/**
 * Decisions 0015 and 0018: the server's main thread runs with a 128 MB semi-space (`npm start`, the benchmarks), and the worker
 * threads it starts keep V8's default, so the flag costs the label writer, the report worker and the exports'
 * threads no memory. Checked in a real Node process started with the flags, as `npm start` starts the server.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SERVER_NODE_FLAGS } from '../../server/young-generation';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Runs a process with the server's flags that fills its young generation on the main thread, then in a worker
 * thread (both keeping a few MB alive, so V8 grows the semi-space to its limit), and prints each one's new-space size
 * in MB. `reset`: the worker is started after threadsKeepDefaultYoungGeneration(), as createApp() does.
 */
function newSpaceMb(reset: boolean): { main: number; worker: number } {
  const script = `
    const { Worker } = require('node:worker_threads');
    const churn = \`(() => {
      const v8 = require('node:v8');
      let keep = [], live = [];
      for (let i = 0; i < 6e6; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 20000) { live.push(keep); keep = []; if (live.length > 10) live.shift(); } }
      return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    })()\`;
    const main = eval(churn);
    if (${reset}) require(${JSON.stringify(path.join(ROOT, 'server/young-generation.ts'))}).threadsKeepDefaultYoungGeneration();
    const w = new Worker(\`require('node:worker_threads').parentPort.postMessage(\${churn})\`, { eval: true });
    w.once('message', (worker) => { console.log(JSON.stringify({ main, worker })); w.terminate(); });
  `;
  const out = execFileSync(process.execPath, [...SERVER_NODE_FLAGS, '--require', require.resolve('tsx/cjs'), '-e', script], { encoding: 'utf8' });
  return JSON.parse(out.trim()) as { main: number; worker: number };
}

test('npm start and npm run bench run Node with the server flags', () => {
  const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  for (const name of ['start', 'bench']) expect(scripts[name]).toContain(`node ${SERVER_NODE_FLAGS.join(' ')} `);
});

test("the main thread's young generation grows to 128 MB semi-spaces, and worker threads keep V8's default", () => {
  expect(SERVER_NODE_FLAGS).toContain('--max-semi-space-size=128');
  const withReset = newSpaceMb(true);
  // New space = two semi-spaces: 2 × 128 MB on the main thread; the default limit (16 MB) gives 32 MB.
  expect(withReset.main).toBe(256);
  expect(withReset.worker).toBeLessThanOrEqual(32);
  // Without the reset a thread would take the process's 128 MB semi-spaces too: what the reset saves.
  expect(newSpaceMb(false).worker).toBe(256);
}, 60_000);

/**
 * Decision 0017: createApp turns allocation-site pretenuring off. A process makes objects at one site that outlive
 * scavenges (V8 would then allocate that site's objects in the old generation: `=> tenure` in its trace), with and
 * without noAllocationSitePretenuring() called first, as createApp() calls it.
 */
function tenuredSites(off: boolean): number {
  const script = `
    if (${off}) require(${JSON.stringify(path.join(ROOT, 'server/young-generation.ts'))}).noAllocationSitePretenuring();
    const keep = [];
    const make = (i) => ({ a: i, b: [i, i + 1], c: 'x' + i });
    for (let r = 0; r < 40; r++) {
      const live = [];
      for (let i = 0; i < 200000; i++) live.push(make(i));
      keep.push(live);
      if (keep.length > 3) keep.shift();
    }
  `;
  const out = execFileSync(process.execPath, ['--trace-pretenuring-statistics', '--require', require.resolve('tsx/cjs'), '-e', script], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('=> tenure')).length;
}

test('allocation-site pretenuring is off once the server has set it so', () => {
  expect(tenuredSites(false)).toBeGreaterThan(0);
  expect(tenuredSites(true)).toBe(0);
}, 60_000);

/**
 * Decision 0019: createApp lets the old generation grow twofold between mark-compacts. V8 traces each new limit
 * with the factor it used (`[HeapController] Limit: … (f)`, `--trace-gc-verbose`): a process keeps a live set and
 * promotes short-lived objects, with and without oldGenerationGrowsTwofold() called first, as createApp() calls it.
 */
function oldGenerationFactors(twofold: boolean): string[] {
  const script = `
    if (${twofold}) require(${JSON.stringify(path.join(ROOT, 'server/young-generation.ts'))}).oldGenerationGrowsTwofold();
    const base = [];
    for (let i = 0; i < 300000; i++) base.push({ i, s: 'b' + i });
    const ring = [];
    for (let r = 0; r < 400; r++) {
      const batch = [];
      for (let i = 0; i < 20000; i++) batch.push({ a: i, b: 'x' + i });
      ring.push(batch);
      if (ring.length > 40) ring.shift();
    }
  `;
  const out = execFileSync(process.execPath, ['--trace-gc-verbose', '--require', require.resolve('tsx/cjs'), '-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.split('\n').flatMap((l) => /\[HeapController\] Limit: .*\((\d+\.\d)\)$/.exec(l)?.slice(1, 2) ?? []);
}

test('the old generation grows twofold between mark-compacts once the server has set it so', () => {
  const own = oldGenerationFactors(false);
  const twofold = oldGenerationFactors(true);
  expect(own.length).toBeGreaterThan(0);
  expect(own.some((f) => f !== '2.0')).toBe(true);
  expect(twofold.length).toBeGreaterThan(0);
  expect(new Set(twofold)).toEqual(new Set(['2.0']));
}, 60_000);

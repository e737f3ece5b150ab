/**
 * `concord judge` as a process (bin/concord.js): on Linux and macOS it runs the judge in a child Node started with a
 * 64 MiB young generation (`--max-semi-space-size=64`), and stays the one process an operator or a script deals
 * with: Ctrl-C (a SIGINT to the command) still finishes the tasks in flight and prints the summary, Ctrl-Z (SIGTSTP)
 * stops the judge too and SIGCONT resumes it, a SIGKILL of the command leaves no judge running behind it.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { CONCORD_BIN } from '../helpers/cli';
import { startJudgeProcess, until, type JudgeProcess } from '../helpers/judges';
import { startMockOpenAI, type MockOpenAI } from '../helpers/mock-openai';
import { makeProject, pairwiseItems, serversPerTest } from '../helpers/server';

const servers = serversPerTest();
let mock: MockOpenAI;
const started: ChildProcess[] = [];

beforeEach(async () => {
  // Slow enough that the run is still going when the test signals it.
  mock = await startMockOpenAI(() => ({ content: JSON.stringify({ rationale: 'Assistant A answers the question.', verdict: 'A' }), delayMs: 50 }));
});
afterEach(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await mock.close();
});

/** `concord judge` on a new project, once it is judging, with the processes it started (the relaunched judge). */
async function startJudging(): Promise<{ run: JudgeProcess; children: ReturnType<typeof childrenOf> }> {
  const s = await servers.server();
  const projectId = await makeProject(s, {}, pairwiseItems(400));
  const judge = (await s.api('POST', `/api/projects/${projectId}/judges`, { model: 'process-model', base_url: mock.url, concurrency: 2 })).body as { token: string };
  const run = startJudgeProcess(['--server', s.url, '--token', judge.token, '--json']);
  started.push(run.child);
  await run.judging;
  return { run, children: childrenOf(run.child.pid!) };
}

/** The processes a process started, and their command lines (Linux's /proc). */
function childrenOf(pid: number): Array<{ pid: number; args: string[] }> {
  const ids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  return ids.map((id) => ({ pid: id, args: fs.readFileSync(`/proc/${id}/cmdline`, 'utf8').split('\0').filter(Boolean) }));
}

/** A process's state letter from /proc (R running, S sleeping, T stopped…). */
const stateOf = (pid: number) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const linux = process.platform === 'linux' ? test : test.skip;

linux('the judge runs with a 64 MiB young generation, and a SIGINT to the command finishes the tasks in flight and prints the summary', async () => {
  const { run, children: [judgeProcess, ...others] } = await startJudging();
  expect(others).toEqual([]);
  expect(judgeProcess!.args).toContain('--max-semi-space-size=64');
  expect(judgeProcess!.args[judgeProcess!.args.indexOf(CONCORD_BIN) + 1]).toBe('judge');

  run.child.kill('SIGINT');
  const r = await run.done;
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('Stopping: finishing the tasks in flight');
  // One SIGINT: the tasks in flight were finished, not released (a second one would have said so).
  expect(r.stderr).not.toContain('Releasing the tasks in flight');
  const summary = JSON.parse(r.stdout) as { state: string; labels: number; errors: number };
  expect(summary.state).toBe('stopped');
  expect(summary.labels).toBeGreaterThan(0);
  expect(summary.labels).toBeLessThan(400);
  expect(summary.errors).toBe(0);
  expect(alive(judgeProcess!.pid)).toBe(false);
}, 60_000);

linux('a SIGKILL of the command leaves no judge running', async () => {
  const { run, children: [judgeProcess] } = await startJudging();
  run.child.kill('SIGKILL');
  const r = await run.done;
  expect(r.signal).toBe('SIGKILL');
  await until(async () => alive(judgeProcess!.pid), (a) => !a);
}, 60_000);

linux('Ctrl-Z (SIGTSTP to the command) stops the judge with it, and SIGCONT resumes both: the run then finishes', async () => {
  const { run, children: [judgeProcess] } = await startJudging();
  const states = async () => [stateOf(run.child.pid!), stateOf(judgeProcess!.pid)];
  run.child.kill('SIGTSTP');
  await until(states, (s) => s.every((x) => x === 'T'));
  run.child.kill('SIGCONT');
  await until(states, (s) => s.every((x) => x !== 'T'));
  run.child.kill('SIGINT');
  const r = await run.done;
  expect(r.code).toBe(0);
  expect((JSON.parse(r.stdout) as { state: string }).state).toBe('stopped');
}, 60_000);

/**
 * What the tests of judges share: a server with a mock model endpoint beside it, the judge as the listing shows it,
 * waiting for a run to get somewhere, a port where nothing listens, and `concord …` run as a user would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { CONCORD_BIN } from './cli';
import { startMockOpenAI, type MockOpenAI } from './mock-openai';
import { startServer, type TestServer } from './server';

/** A real server and a mock OpenAI-compatible endpoint, both fresh (start them in `beforeEach`). */
export async function startServerAndModel(): Promise<{ server: TestServer; mock: MockOpenAI }> {
  const server = await startServer();
  const mock = await startMockOpenAI();
  return { server, mock };
}

/** Closes what {@link startServerAndModel} started (in `afterEach`). */
export async function closeServerAndModel(server: TestServer, mock: MockOpenAI): Promise<void> {
  await mock.close();
  await server.close();
}

/** A judge as `GET /api/projects/:id/judges` lists it. */
export async function listedJudge(s: TestServer, projectId: number, judgeId: number): Promise<Record<string, any>> {
  const judges = (await s.api('GET', `/api/projects/${projectId}/judges`)).body.judges as Array<Record<string, any>>;
  const judge = judges.find((j) => j.id === judgeId);
  if (!judge) throw new Error(`judge ${judgeId} is not listed in project ${projectId}`);
  return judge;
}

/** Polls until `check` holds (a condition to wait for, not a timing to assert). */
export async function until<T>(read: () => Promise<T>, check: (v: T) => boolean, tries = 1000): Promise<T> {
  let v: T | undefined;
  for (let i = 0; i < tries; i++) {
    v = await read();
    if (check(v)) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition never held; last: ${JSON.stringify(v)}`);
}

/** A port on this machine where nothing listens (bound, then closed). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Starts `concord …` as a user would, with no admin token in its environment unless `env` gives one. */
function startConcord(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CONCORD_BIN, ...args], { env: { ...process.env, CONCORD_ADMIN_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, ...out })));
  return { child, out, done };
}

/** Runs `concord …` as a user would, with no admin token in its environment unless `env` gives one. */
export async function concord(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await startConcord(args, env).done;
  return { code, stdout, stderr };
}

/** A running `concord judge` process, as an operator starts it (its args after the command name). */
export interface JudgeProcess {
  child: ChildProcess;
  /** Resolves at its first progress line: it is connected and has stored a label. */
  judging: Promise<void>;
  /** Resolves when it exits, with what it printed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `concord judge <args>` with no admin token in its environment, and watches its output. */
export function startJudgeProcess(args: string[]): JudgeProcess {
  const { child, out, done } = startConcord(['judge', ...args]);
  // After startConcord's listener, so the text it looks at holds this chunk.
  const judging = new Promise<void>((resolve) => child.stderr.on('data', () => out.stderr.includes('judged ') && resolve()));
  return { child, judging, done };
}

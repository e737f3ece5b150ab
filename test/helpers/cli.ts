/** Runs the `concord` command line against a test server, as a user would: a child process with the server's URL and token. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestServer } from './server';

const run = promisify(execFile);
export const CONCORD_BIN = path.resolve(__dirname, '../../bin/concord.js');

/** The command's exit code and output; a failing command is a result to check, not a thrown error. */
export async function runConcord(s: TestServer, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CONCORD_BIN, ...args], { env: { ...process.env, CONCORD_ADMIN_TOKEN: s.token, CONCORD_SERVER: s.url } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import { typescriptExecArgv } from '../../server/typescript-exec-argv';

/**
 * The young generation of the load a benchmark makes (the assignment swarm, judge workers): the 64 MB semi-space
 * every earlier measurement's swarm ran with, and `concord judge`'s own (bin/concord.js), whatever the server in
 * this process runs with. A change to the server's flags then changes the server alone.
 */
export const LOAD_NODE_FLAGS = ['--max-semi-space-size=64'];

/**
 * Forks a benchmark's TypeScript child process (the assignment swarm, the judge benchmark's endpoint and worker),
 * with an IPC channel and the parent's output. It gets this process's Node options minus profiling ones (meant for
 * the server, which runs in this process) and runs its TypeScript as the report worker does
 * (server/typescript-exec-argv.ts). `nodeOptions` are added for this child alone (say `--cpu-prof` for a server
 * child), in place of an inherited option of the same name.
 */
export function forkTypescript(file: string, args: string[] = [], nodeOptions: string[] = []): ChildProcess {
  const name = (a: string) => a.split('=')[0];
  const own = new Set(nodeOptions.map(name));
  const inherited = process.execArgv.filter((a) => !/^--(cpu-prof|heap-prof|prof|inspect)/.test(a) && !own.has(name(a)));
  return fork(file, args, { execArgv: typescriptExecArgv([...inherited, ...nodeOptions]), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

import { fork, type ChildProcess } from 'node:child_process';
import { typescriptExecArgv } from '../../server/typescript-exec-argv';

/**
 * Forks a benchmark's TypeScript child process (the assignment swarm, the judge benchmark's endpoint and worker),
 * with an IPC channel and the parent's output. It gets this process's Node options minus profiling ones (meant for
 * the server, which runs in this process) and runs its TypeScript as the report worker does
 * (server/typescript-exec-argv.ts). `nodeOptions` are added for this child alone (say `--cpu-prof` for a server
 * child).
 */
export function forkTypescript(file: string, args: string[] = [], nodeOptions: string[] = []): ChildProcess {
  const inherited = process.execArgv.filter((a) => !/^--(cpu-prof|heap-prof|prof|inspect)/.test(a));
  return fork(file, args, { execArgv: typescriptExecArgv([...inherited, ...nodeOptions]), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

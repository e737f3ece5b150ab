#!/usr/bin/env node
// The `concord` command. The sources are TypeScript, run through tsx's require hook (no build step).

/**
 * `concord judge` runs in a Node with a 64 MiB young generation (`--max-semi-space-size=64`; Node's default is
 * 16 MiB). A worker's lanes keep hundreds of model requests and socket.io commands in flight, each living a few
 * milliseconds too long for the default's frequent scavenges, so they were copied and promoted to the old
 * generation; with the larger one they die young (the fleet benchmark: about a fifth less CPU a judgment). Node
 * reads the flag only as it starts, so the command starts itself again with it. The child runs in a session of its
 * own, so a terminal's Ctrl-C reaches this process alone, which passes each SIGINT, SIGTERM and SIGHUP on once,
 * stops the child with itself on a Ctrl-Z (SIGTSTP) and resumes it on SIGCONT, and ends as the child ends; the
 * child ends itself if this process dies (SIGKILL). Not on Windows, nor when the flag is given already (in the
 * command's own Node options or NODE_OPTIONS).
 */
// The judge's own size, measured for it (the server's main thread takes 128: server/young-generation.ts SERVER_NODE_FLAGS).
const SEMI_SPACE_FLAG = '--max-semi-space-size';
const RELAUNCHED = 'CONCORD_JUDGE_RELAUNCHED';

function relaunchJudge() {
  if (process.argv[2] !== 'judge' || process.platform === 'win32' || process.env[RELAUNCHED] === '1') return false;
  if ([...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith(SEMI_SPACE_FLAG))) return false;
  const { spawn } = require('node:child_process');
  const args = [...process.execArgv, `${SEMI_SPACE_FLAG}=64`, __filename, ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], detached: true, env: { ...process.env, [RELAUNCHED]: '1' } });
  const forward = (signal) => child.kill(signal);
  // Ctrl-Z stops the judge with this process, and `fg` (SIGCONT) resumes both.
  const suspend = () => {
    child.kill('SIGSTOP');
    process.kill(process.pid, 'SIGSTOP');
  };
  const handlers = { SIGINT: forward, SIGTERM: forward, SIGHUP: forward, SIGTSTP: suspend, SIGCONT: () => child.kill('SIGCONT') };
  for (const [s, h] of Object.entries(handlers)) process.on(s, h);
  child.on('error', (e) => {
    process.stderr.write(`Error: cannot start concord judge: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    // Off before the signal is raised again here: it is what ends this process.
    for (const [s, h] of Object.entries(handlers)) process.off(s, h);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  return true;
}

if (process.env[RELAUNCHED] === '1' && process.channel) {
  // The relaunched judge: gone with the process that started it, which holds nothing else open (the channel does
  // not keep this process alive).
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  process.channel.unref();
}

if (!relaunchJudge()) {
  require('tsx/cjs');
  require('../server/cli/index.ts');
}

/**
 * How a worker thread or a child process runs a TypeScript file. Concord has no build step (ADR 0003), and neither
 * inherits how this process runs TypeScript: bin/concord.js's tsx require hook, jest's SWC transform. So each is
 * started with tsx's require hook among its Node options. Used by the report worker (ADR 0004) and by the
 * benchmarks' child processes.
 */

/**
 * Node options for running a .ts file: `inherit` (options of this process to pass on) with tsx's require hook added,
 * unless they already load tsx. A worker thread gets no inherited options: it refuses V8 and process-wide ones
 * (`--max-old-space-size`, `--expose-gc`), where a child process takes them all.
 */
export function typescriptExecArgv(inherit: readonly string[] = []): string[] {
  if (inherit.some((a) => a.includes('tsx'))) return [...inherit];
  return [...inherit, '--require', require.resolve('tsx/cjs')];
}

/**
 * The server process's garbage collection: its young generation (decisions 0015 and 0018) and, below, allocation-site
 * pretenuring (decision 0017) and the old generation's growth (decision 0019). With 1,000 paced annotators the event
 * loop allocates ~30 MB/s (socket.io's packets, the tasks, the acks), so V8's default 16 MB semi-space is collected
 * twice a second; each of those collections copies the leases and writes in flight and holds every connection for
 * several milliseconds, which is the tail of the annotators' `task:next` round trip. A 128 MB semi-space is collected
 * every ~4 s instead, and a lease (alive for one think time) is long gone by then: in the paced phase, 7–10 pauses and
 * 55–68 ms of them in 25 s against 17–18 and 93–109 ms with 64 MB (docs/BENCHMARKS.md).
 *
 * V8 reads the size once per isolate, when the isolate is made: the main thread's comes from the process's flags
 * (`npm start` and `npm run bench` pass {@link SERVER_NODE_FLAGS}), and every worker thread's
 * isolate is made later. {@link threadsKeepDefaultYoungGeneration} sets the flag back for those, so the label
 * writer, the report worker, the pool reads and the exports keep the young generation they had (the exports' threads
 * their own `resourceLimits`): the memory budget of issue 14 (1.5 GB at 9M labels) counts them all.
 */
import v8 from 'node:v8';

/** The Node options `concord serve` is run with (package.json `start`, docs/BENCHMARKS.md, README). */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=128'] as const;

/** Worker threads started from now on get V8's own semi-space size (0: no override), whatever the process was run with. */
export function threadsKeepDefaultYoungGeneration(): void {
  v8.setFlagsFromString('--max-semi-space-size=0');
}

/**
 * Turns V8's allocation-site pretenuring off for the process (decision 0017). V8 allocates straight into the old
 * generation the objects of a site whose objects tend to survive a scavenge; a server's such sites (a socket's next
 * message buffers, a lease's maps, a label kept a moment) mostly make objects that live one think time, so they died
 * in the old generation and set off a mark-compact every 2–4 s. Without it, the paced phase's main-thread GC pauses
 * fell from 127–171 ms to 94–122 ms in 25 s, and the `task:next` round trip's p99 from 3.7–8.7 ms to 1.9–5.5 ms.
 * V8 reads the flag at each collection, so setting it here (not on the command line, where `NODE_OPTIONS` refuses it)
 * works for `npx concord serve` as for `npm start`.
 */
export function noAllocationSitePretenuring(): void {
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}

/**
 * Lets the old generation grow to twice what a mark-compact left before the next one (decision 0019). V8 picks the
 * factor from the collector's speed, and on this server's small heap it picked ~1.1: the objects a scavenge promotes
 * (those of a think time, 2–3.5 MB at 1,000 paced annotators) set off a mark-compact every 7–10 s, each a pause of
 * 6–12 ms with every connection waiting. With 2 the garbage they leave is collected a few times an hour, for
 * ~50 MB more memory under that load. Read by V8 at each mark-compact, so setting it here works as the flag would.
 */
export function oldGenerationGrowsTwofold(): void {
  v8.setFlagsFromString('--heap-growing-percent=100');
}

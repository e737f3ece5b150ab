/**
 * An export read to its end in the process that builds it, no HTTP (issue 14): the CPU it takes (this process's, all
 * its threads), its wall time and records/s, less noisy than the HTTP bench on a shared machine. On a migrated copy
 * of a seed (never the seed itself: the export's threads open it read-only, but the migrations write).
 *
 *   node -r tsx/cjs bench/exports/in-process.ts <db copy> <kind> <format> [method] [--main] [--keep]
 */
import { migrate, openDatabase } from '../../server/db/database';
import { ExportsRepo } from '../../server/exports/exports.repo';
import { ExportsService } from '../../server/exports/exports.service';
import { onWritten, THREADS } from '../../server/exports/export-thread';
import { ProjectsRepo } from '../../server/projects/projects.repo';

async function main(file: string, kind: string, format: string, method = 'majority'): Promise<void> {
  // --main: on this thread (the threads' work in one CPU profile: node --cpu-prof).
  if (process.argv.includes('--main')) THREADS.minItems = Infinity;
  const db = openDatabase(file);
  migrate(db);
  const pid = db.prepare('SELECT project_id FROM items GROUP BY project_id ORDER BY count(*) DESC LIMIT 1').pluck().get() as number;
  const project = new ProjectsRepo(db).get(pid)!;
  const service = new ExportsService(new ExportsRepo(db));
  const q = service.parse({ kind, format, method }, project);
  const columns = await service.columns(project, q);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of service.stream(project, q, null, columns)) {
    bytes += chunk.byteLength;
    if (format !== 'parquet') for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) newlines++;
    // As the route does once the response has written a page (export-thread.ts onWritten); --keep: not.
    if (!process.argv.includes('--keep')) onWritten(chunk)?.();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const records = format === 'csv' ? newlines - 1 : newlines;
  console.log(
    `${kind} ${method} ${format}: ${records} records (${(bytes / 2 ** 20).toFixed(1)} MiB) in ${seconds.toFixed(2)} s = ${Math.round(records / seconds)}/s; CPU ${cpuSeconds.toFixed(2)} s (${((cpuSeconds / Math.max(records, 1)) * 1e6).toFixed(2)} µs a record)`,
  );
  db.close();
}

const [file, kind, format, method] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!file || !kind || !format) console.error('usage: in-process.ts <db copy> <kind> <format> [method] [--main] [--keep]');
else void main(file, kind, format, method).then(() => process.exit(0), (e: unknown) => (console.error(e), process.exit(1)));

import type { BenchServer } from '../../bench/lib/server';
import type { ExportsService } from '../../server/exports/exports.service';
import { parquetChunks, type RecordPage } from '../../server/exports/parquet';
import { ProjectsRepo } from '../../server/projects/projects.repo';

/** An export as the main thread builds it (the service's pages, Parquet through its encoder thread), whole. */
export async function mainThreadBytes(service: ExportsService, server: BenchServer, pid: number, query: Record<string, string>): Promise<Buffer> {
  const project = new ProjectsRepo(server.db).get(pid)!;
  const q = service.parse(query, project);
  const columns = await service.columns(project, q);
  const chunks = service.chunks(project, q, null, columns);
  const out: Uint8Array[] = [];
  if (q.format === 'parquet') for await (const c of parquetChunks(chunks as Iterable<RecordPage>)) out.push(c);
  else for (const c of chunks) out.push(c as Uint8Array);
  return Buffer.concat(out);
}

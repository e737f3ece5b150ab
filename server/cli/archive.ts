/**
 * `concord export <project> --kind project -o project.concord` and `concord import --project-archive project.concord`:
 * a whole project moved between servers as one archive (server/archive/format.ts), streamed both ways.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command, Option } from 'commander';
import { EXPORT_KINDS } from '../../shared/constants';
import type { ErrorBody } from '../../shared/errors';
import { clean, fail, reportError, request, writeWhole, type Remote } from './api';

/** Adds `project` to the export command's --kind: that kind writes the archive instead of a dataset. */
export function withProjectKind(exportCmd: Command): Command {
  const kind = exportCmd.options.find((o: Option) => o.long === '--kind');
  kind?.choices([...EXPORT_KINDS, 'project']);
  return exportCmd.hook('preAction', async (_cmd, action) => {
    const opts = action.opts<Remote & { kind: string; out?: string }>();
    if (opts.kind !== 'project') return;
    await exportArchive(String(action.args[0]), opts);
    process.exit(0);
  });
}

async function exportArchive(project: string, opts: Remote & { out?: string }): Promise<void> {
  if (!opts.out && process.stdout.isTTY) fail('A project archive is binary: write it to a file with -o/--out <file>');
  const res = await request(opts, 'GET', `/projects/${encodeURIComponent(project)}/archive`);
  if (!res.body) fail('The server sent no archive');
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  if (!opts.out) return pipeline(body, process.stdout);
  const out = opts.out;
  await writeWhole(out, 'archive', (stream) => pipeline(body, stream));
  process.stdout.write(`Wrote project ${project}'s archive to ${out} (${fs.statSync(out).size} bytes)\n`);
}

/** Sends an archive file, streamed, to make a new project of it; prints the new project's id and counts. */
export async function importArchive(file: string, opts: Remote): Promise<void> {
  if (!opts.token) fail('An admin token is needed: --token <token> or CONCORD_ADMIN_TOKEN (the server prints it at start)');
  if (!fs.existsSync(file)) fail(`No such file: ${file}`);
  let res: Response;
  try {
    res = await fetch(new URL('/api/projects/archive', opts.server), {
      method: 'POST',
      body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream,
      headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/gzip' },
      duplex: 'half',
    } as RequestInit);
  } catch {
    fail(`Cannot reach the Concord server at ${opts.server} (is it running? --server sets its URL)`);
  }
  const json = (await res.json().catch(() => ({}))) as { error?: ErrorBody; project_id?: number; counts?: Record<string, number>; judge_tokens?: Record<string, string> };
  if (!res.ok) reportError(json.error, res.status);
  const c = json.counts ?? {};
  process.stdout.write(
    `Created project ${json.project_id} from ${file}: ${c.items} items, ${c.annotators} annotators, ${c.labels} labels, ${c.adjudications} adjudications, ${c.files} files\n`,
  );
  // As at registration, each judge's token is shown once: its workers connect with it.
  for (const [name, token] of Object.entries(json.judge_tokens ?? {})) process.stdout.write(`Judge ${clean(name)}: new token ${token}\n`);
}

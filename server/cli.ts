import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { ErrorBody } from '../shared/errors';
import { TASK_TYPES } from '../shared/schemas';
import { loadConfig } from './config';
import { serve } from './serve';

const program = new Command();
program
  .name('concord')
  .description('Label LLM outputs with human annotators and LLM judges side by side, and measure how far to trust each.')
  .showHelpAfterError();

program
  .command('serve')
  .description('Run the Concord server (HTTP API, socket.io task protocol and the browser app) on an embedded SQLite file')
  .option('-p, --port <port>', 'port to listen on (env PORT, default 3000)')
  .option('--host <host>', 'address to bind (env HOST, default 0.0.0.0)')
  .option('--db <file>', 'SQLite database file (env CONCORD_DB, default ./data/concord.db)')
  .action(async (opts: { port?: string; host?: string; db?: string }) => {
    const config = loadConfig(process.env, { port: opts.port === undefined ? undefined : Number(opts.port), host: opts.host, dbFile: opts.db });
    const running = await serve(config);
    const dashboard = `${running.url}/?token=${encodeURIComponent(running.app.adminToken)}`;
    process.stdout.write(
      `\nConcord is running on ${running.url}  (database: ${path.resolve(config.dbFile)})\n` +
        `Researcher dashboard: ${dashboard}\n` +
        `Admin token${running.app.adminTokenGenerated ? ' (generated and kept in the database)' : ''}: ${running.app.adminToken}\n\n`,
    );
    const shutdown = () => {
      void running.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

program
  .command('import')
  .description('Import items (or, with --labels, existing labels) into a project on a running server. All or nothing.')
  .argument('<file>', 'a .jsonl, .json (array) or .csv file')
  .option('--project <id>', 'the project to import into')
  .option('--create <name>', 'create a new project with this name and import into it (needs --type)')
  .addOption(new Option('--type <type>', 'task type of the project --create makes').choices([...TASK_TYPES]))
  .option('--labels', 'the file holds labels, not items')
  .option('--upsert', 'replace items (or labels) that are already in the project instead of refusing them')
  .option('--server <url>', 'the Concord server (env CONCORD_SERVER)', process.env.CONCORD_SERVER ?? 'http://localhost:3000')
  .option('--token <token>', 'the admin token (env CONCORD_ADMIN_TOKEN)', process.env.CONCORD_ADMIN_TOKEN)
  .action(async (file: string, opts: { project?: string; create?: string; type?: string; labels?: boolean; upsert?: boolean; server: string; token?: string }) => {
    if (!opts.token) fail('An admin token is needed: --token <token> or CONCORD_ADMIN_TOKEN (the server prints it at start)');
    if (!opts.project && !opts.create) fail('Say where to import: --project <id>, or --create <name> --type <type>');
    if (opts.create && !opts.type) fail('--create needs --type pairwise|rating|choice');
    if (!fs.existsSync(file)) fail(`No such file: ${file}`);
    const ext = path.extname(file).toLowerCase();
    const contentType = ext === '.csv' ? 'text/csv' : ext === '.json' ? 'application/json' : 'application/x-ndjson';
    const api = async (method: string, route: string, body: string | Buffer, type: string) => {
      let res: Response;
      try {
        res = await fetch(new URL(`/api${route}`, opts.server), { method, body, headers: { authorization: `Bearer ${opts.token}`, 'content-type': type } });
      } catch {
        fail(`Cannot reach the Concord server at ${opts.server} (is it running? --server sets its URL)`);
      }
      const json = (await res.json().catch(() => ({}))) as { error?: ErrorBody } & Record<string, unknown>;
      if (!res.ok) reportError(json.error, res.status);
      return json;
    };
    let projectId = opts.project;
    if (opts.create) {
      const p = await api('POST', '/projects', JSON.stringify({ name: opts.create, type: opts.type }), 'application/json');
      projectId = String(p.id);
      process.stdout.write(`Created project ${projectId} (${opts.type})\n`);
    }
    const body = fs.readFileSync(file);
    const route = `/projects/${projectId}/${opts.labels ? 'labels' : 'items'}${opts.upsert ? '?upsert=1' : ''}`;
    const r = await api('POST', route, body, contentType);
    process.stdout.write(`Imported ${String(r.imported)} ${opts.labels ? 'labels' : 'items'} into project ${projectId}\n`);
  });

function fail(message: string): never {
  process.stderr.write(`concord: ${message}\n`);
  process.exit(1);
}

function reportError(error: ErrorBody | undefined, status: number): never {
  if (!error) fail(`The server answered ${status}`);
  const lines = [error.message];
  for (const d of error.details ?? []) lines.push(`  ${d.line !== undefined ? `line ${d.line}` : ''}${d.field ? `${d.line !== undefined ? '  ' : ''}${d.field}` : ''}: ${d.message}`);
  fail(lines.join('\n'));
}

program.parseAsync(process.argv).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));

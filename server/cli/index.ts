import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { AGGREGATION_METHODS, REPORT_TEST_DEFAULTS, TASK_TYPES } from '../../shared/constants';
import type { ReportJson } from '../../shared/stats/report/json';
import { loadConfig } from '../config';
import { serve } from '../serve';
import { fail, requestJson, type Remote } from './api';
import { importForm, importProgress, sendFile } from './import-files';
import { countOption, formatReport, fractionOption, reportQuery, type ReportCliOptions } from './report';
import { addPresetOptions, presetQuery, type PresetCliOptions } from './import-preset';
import type { ImportResult } from '../../shared/views';
import { concordVersion } from '../version';

interface ImportCliOptions {
  project?: string;
  create?: string;
  type?: string;
  upsert?: boolean;
  files?: string;
  projectArchive?: string;
  quiet?: boolean;
  json?: boolean;
}

const program = new Command();
program
  .name('concord')
  .description('Label LLM outputs with human annotators and LLM judges side by side, and measure how far to trust each.')
  .version(concordVersion(), '-V, --version', 'print the version')
  .showHelpAfterError();

/**
 * --server and --token, shared by every command that talks to a running server. The token is read from the
 * environment by commander (`.env`), never given as a default: a default is printed by `--help`.
 */
const remote = (cmd: Command) =>
  cmd
    .addOption(new Option('--server <url>', 'the Concord server').env('CONCORD_SERVER').default('http://localhost:3000'))
    .addOption(new Option('--token <token>', 'the admin token (printed by `concord serve` at its first start)').env('CONCORD_ADMIN_TOKEN'));

program
  .command('serve')
  .description('Run the Concord server (HTTP API, socket.io task protocol and the browser app) on an embedded SQLite file')
  .option('-p, --port <port>', 'port to listen on (env PORT, default 3000)')
  .option('--host <host>', 'address to bind (env HOST, default 0.0.0.0)')
  .option('--db <file>', 'SQLite database file (env CONCORD_DB, default ./data/concord.db)')
  .action(async (opts: { port?: string; host?: string; db?: string }) => {
    const config = loadConfig(process.env, { port: opts.port === undefined ? undefined : Number(opts.port), host: opts.host, dbFile: opts.db });
    const running = await serve(config);
    // Before the banner: whoever reads "running" may stop it at once (a test, a supervisor).
    const shutdown = () => {
      void running.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    // A token the researcher set (CONCORD_ADMIN_TOKEN) is not echoed: stdout often ends up in a log collector. One
    // kept in the database is printed, since this is where the researcher learns it.
    const own = config.adminToken === undefined;
    const dashboard = own ? `${running.url}/?token=${encodeURIComponent(running.app.adminToken)}` : `${running.url}/ (paste the admin token)`;
    const token = own ? `${running.app.adminToken}${running.app.adminTokenGenerated ? ' (generated and kept in the database)' : ''}` : 'the one in CONCORD_ADMIN_TOKEN';
    process.stdout.write(
      `\nConcord is running on ${running.url}  (database: ${path.resolve(config.dbFile)}, integrity check ${running.integrityMs} ms${running.applied.length ? `, migrations ${running.applied.join(', ')} applied` : ''})\n` +
        `Researcher dashboard: ${dashboard}\nAdmin token: ${token}\n\n`,
    );
  });

remote(
  addPresetOptions(
    program
      .command('import')
    .description(
      'Import items (or, with --labels, existing labels) into a project on a running server. All or nothing: a file with a bad record imports nothing and every bad line is listed.',
    )
    .argument('[file]', 'a .jsonl, .json (array) or .csv file')
    .option('--project-archive <archive>', 'make a new project of a project archive (`concord export --kind project`); no other option applies')
    .option('--project <id>', 'the project to import into')
    .option('--create <name>', 'create a new project with this name and import into it (needs --type)')
    .addOption(new Option('--type <type>', 'task type of the project --create makes').choices([...TASK_TYPES]))
    .option('--labels', 'the file holds labels, not items')
    .option('--files <dir-or-zip>', 'the image files the items name by relative path: a folder (only the files named are sent) or a .zip')
      .option('--upsert', 'replace items (or labels) already in the project instead of refusing them')
      .option('--quiet', 'no progress bar (there is none anyway when standard output is not a terminal)')
      .option('--json', 'print the result as JSON ({"project", "imported", …}) instead of a sentence'),
  ),
).action(async (file: string | undefined, opts: Remote & PresetCliOptions & ImportCliOptions) => {
  if (opts.projectArchive) return (require('./archive') as typeof import('./archive')).importArchive(opts.projectArchive, opts);
  if (!file) fail('Name the file to import');
  if (!opts.project && !opts.create) fail('Say where to import: --project <id>, or --create <name> --type <type>');
  if (opts.create && !opts.type) fail(`--create needs --type ${TASK_TYPES.join('|')}`);
  if (opts.files && opts.labels) fail('--files goes with an items file: labels name no files');
  if (!fs.existsSync(file)) fail(`No such file: ${file}`);
  const preset = presetQuery(opts);
  if ('error' in preset) fail(preset.error); // before --create makes a project
  const ext = path.extname(file).toLowerCase();
  const format = ext === '.csv' ? 'csv' : ext === '.json' ? 'json' : 'jsonl';
  const contentType = format === 'csv' ? 'text/csv' : format === 'json' ? 'application/json' : 'application/x-ndjson';
  // Every named file is found before anything is sent (or a project is created).
  const upload = opts.files ? await importForm(file, opts.files, format, contentType) : null;
  let projectId = opts.project;
  if (opts.create) {
    const p = await requestJson<{ id: number }>(opts, 'POST', '/projects', JSON.stringify({ name: opts.create, type: opts.type }));
    projectId = String(p.id);
    if (!opts.json) process.stdout.write(`Created project ${projectId} (${opts.type})\n`);
  }
  const query = [opts.upsert ? 'upsert=1' : '', preset.query].filter(Boolean).join('&');
  const route = `/projects/${projectId}/${opts.labels ? 'labels' : 'items'}${query ? `?${query}` : ''}`;
  // The bar goes to standard error, and only on a terminal: a pipe, a test or --json output never sees it.
  const bar = opts.quiet || opts.json || !process.stdout.isTTY || !process.stderr.isTTY ? null : process.stderr;
  const r = upload
    ? await requestJson<ImportResult>(opts, 'POST', route, upload.form)
    : await sendFile<ImportResult>(opts, route, file, contentType, importProgress(fs.statSync(file).size, bar));
  if (opts.json) return void process.stdout.write(`${JSON.stringify({ project: Number(projectId), ...r })}\n`);
  const withFiles = upload ? ` with ${upload.count} image file${upload.count === 1 ? '' : 's'}` : '';
  const withLabels = r.labels !== undefined ? ` and ${r.labels} label${r.labels === 1 ? '' : 's'}` : '';
  process.stdout.write(`Imported ${r.imported} ${opts.labels ? 'labels' : 'items'}${withLabels}${withFiles} into project ${projectId}\n`);
});

remote(
  program
    .command('report')
    .description(
      "Agreement among humans, each judge against the human majority and gold, position bias, certainty and length bias, the consensus method, judges compared, the alternative annotator test, certified certainty thresholds, and (with --by) the judges' accuracy and the humans' agreement per slice of the items",
    )
    .argument('<project>', 'project id')
    .option('--json', 'print the report JSON (the contract outside scripts read) instead of tables')
    .addOption(new Option('--invalid <policy>', 'how an unparseable judge output counts').choices(['exclude', 'tie']).default('exclude'))
    .option('--resamples <n>', 'bootstrap resamples for the 95% intervals', '1000')
    .addOption(new Option('--method <method>', "the consensus behind the reference and each human's competence (default: the project's aggregation)").choices([...AGGREGATION_METHODS]))
    .option('--by <key>', 'also report each slice of the items by this key of their meta (e.g. category)')
    .option('--epsilon <x>', `the alternative annotator test's margin ε (default ${REPORT_TEST_DEFAULTS.epsilon})`, fractionOption('--epsilon'))
    .option('--target <x>', `the certified threshold's target agreement (default ${REPORT_TEST_DEFAULTS.target})`, fractionOption('--target'))
    .option('--delta <x>', `the certified threshold's error level δ (default ${REPORT_TEST_DEFAULTS.delta})`, fractionOption('--delta'))
    .option('--min-items <n>', `least labels at or above a certainty value for the certified threshold to test it (default ${REPORT_TEST_DEFAULTS.minItems})`, countOption('--min-items')),
).action(async (project: string, opts: Remote & ReportCliOptions & { json?: boolean }) => {
  const report = await requestJson<ReportJson>(opts, 'GET', `/projects/${encodeURIComponent(project)}/report?${reportQuery(opts)}`);
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
});

program.addCommand((require('./archive') as typeof import('./archive')).withProjectKind((require('./export') as typeof import('./export')).exportCommand(remote, program.version()!)));
program.addCommand((require('./judge') as typeof import('./judge')).judgeCommand());
program.addCommand((require('./pairs') as typeof import('./pairs')).pairsCommand());
program.addCommand((require('./backup') as typeof import('./backup')).backupCommand());
program.addCommand((require('./backup') as typeof import('./backup')).restoreCommand());
program.parseAsync(process.argv).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));

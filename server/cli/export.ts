/**
 * `concord export`: an export streamed from the server to standard output or a file (`--out`), or written as a
 * Hugging Face dataset folder (`--hf-dir`: `data/<kind>.parquet` or `.jsonl` and a README dataset card, ADR 0009).
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { AGGREGATION_METHODS, EXPORT_FORMATS, EXPORT_KINDS } from '../../shared/constants';
import type { Column, ColumnType } from '../exports/columns';
import { datasetCard } from '../exports/dataset-card';
import { fail, request, requestJson, writeWhole, type Remote } from './api';

interface ExportOptions extends Remote {
  kind: string;
  format?: string;
  out?: string;
  hfDir?: string;
  license: string;
  citation?: string;
  force?: boolean;
  method?: string;
  minLabels?: string;
  minAgreement?: string;
  minCertainty?: string;
  includeLlm?: boolean;
  template?: string;
  swap?: boolean;
  referenceAnswer: boolean;
}

/** The export's typed columns as the server sends them (`x-concord-columns`). */
const Scalar = z.enum(['string', 'int64', 'float64', 'bool']);
const ColumnSchema: z.ZodType<Column> = z.lazy(() => z.object({ name: z.string(), type: z.union([Scalar, z.literal('json'), z.object({ list: z.union([Scalar, z.array(ColumnSchema)]) })]) }));

export function exportCommand(remote: (c: Command) => Command, version: string): Command {
  const cmd = new Command('export')
    .description('Export a gold set (one consensus label per item, with the labels behind it), every raw label, or judge-training data (sft, dpo, preference), as JSONL, CSV or Parquet, or as a Hugging Face dataset folder')
    .argument('<project>', 'project id')
    .addOption(new Option('--kind <kind>', 'gold set, raw labels, or judge-training data').choices([...EXPORT_KINDS]).default('gold'))
    .option('--template <name>', 'sft, dpo: the built-in judge template the prompt is rendered with')
    .option('--swap', "sft: every item in both orders (JudgeLM's swap augmentation)")
    .option('--no-reference-answer', "sft, dpo: leave the item's reference answer out of the prompt")
    .addOption(new Option('--format <format>', 'file format (default jsonl; parquet in a --hf-dir)').choices([...EXPORT_FORMATS]))
    .option('-o, --out <file>', 'write to a file instead of standard output')
    .option('--hf-dir <dir>', 'write a Hugging Face dataset folder: data/<kind>.parquet (or .jsonl) and a README.md dataset card')
    .option('--license <id>', 'with --hf-dir: the data\'s licence, a Hugging Face licence id (e.g. cc-by-4.0); "unknown" when not said', 'unknown')
    .option('--citation <file>', 'with --hf-dir: a BibTeX file for the card\'s Citation section')
    .option('--force', 'with --hf-dir: write into a folder that is not empty (its files of the same names are replaced)')
    .addOption(new Option('--method <method>', "how each item's consensus (the reference) is reached (default: the project's aggregation)").choices([...AGGREGATION_METHODS]))
    .option('--min-labels <n>', 'gold: least number of labels behind a consensus')
    .option('--min-agreement <share>', 'gold: least share (0–1) of labels agreeing with the consensus')
    .option('--min-certainty <c>', 'gold: leave out labels below this certainty')
    .option('--include-llm', 'gold: let LLM judges take part in the consensus');
  return remote(cmd).action((project: string, opts: ExportOptions) => (opts.hfDir ? hfDir(project, opts, opts.hfDir, version) : toFile(project, opts)));
}

function exportQuery(opts: ExportOptions, format: string): URLSearchParams {
  const q = new URLSearchParams({ kind: opts.kind, format });
  if (opts.template) q.set('template', opts.template);
  if (opts.swap) q.set('swap', '1');
  if (!opts.referenceAnswer) q.set('reference_answer', '0');
  if (opts.method) q.set('method', opts.method);
  if (opts.minLabels) q.set('min_labels', opts.minLabels);
  if (opts.minAgreement) q.set('min_agreement', opts.minAgreement);
  if (opts.minCertainty) q.set('min_certainty', opts.minCertainty);
  if (opts.includeLlm) q.set('include_llm', '1');
  return q;
}

async function fetchExport(project: string, q: URLSearchParams, opts: ExportOptions) {
  const res = await request(opts, 'GET', `/projects/${encodeURIComponent(project)}/export?${q}`);
  if (!res.body) fail('The server sent no export');
  return { res, body: Readable.fromWeb(res.body as ReadableStream) };
}

async function toFile(project: string, opts: ExportOptions): Promise<void> {
  const format = opts.format ?? 'jsonl';
  if (format === 'parquet' && !opts.out && process.stdout.isTTY) fail('A Parquet export is binary: write it to a file with -o/--out <file> (or redirect standard output)');
  const { body } = await fetchExport(project, exportQuery(opts, format), opts);
  if (opts.out) {
    await writeWhole(opts.out, 'export', (out) => pipeline(body, out));
    return;
  }
  // `concord export 1 | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : fail(e.message)));
  await pipeline(body, process.stdout).catch((e: unknown) => fail(`The export stopped before its end (${messageOf(e)}): the output is incomplete`));
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The folder, refused when it holds anything unless --force (it is made when missing). */
function prepareDir(dir: string, force: boolean | undefined): void {
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) fail(`--hf-dir ${dir}: a file of that name exists`);
    if (fs.readdirSync(dir).length > 0 && !force) fail(`--hf-dir ${dir} is not empty: choose an empty or new folder, or pass --force to replace its README.md and data file`);
  }
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
}

async function hfDir(project: string, opts: ExportOptions, dir: string, version: string): Promise<void> {
  const format = opts.format ?? 'parquet';
  if (format === 'csv') fail('--hf-dir writes parquet (the default) or jsonl: a CSV loses the columns\' types');
  if (opts.out) fail('--hf-dir and --out: choose one');
  const citation = opts.citation ? readCitation(opts.citation) : null;
  // The project first: a folder is made only for an export that can be asked for.
  const info = await requestJson<{ id: number; name: string; type: string }>(opts, 'GET', `/projects/${encodeURIComponent(project)}`);
  prepareDir(dir, opts.force);
  const q = exportQuery(opts, format);
  const { res, body } = await fetchExport(project, q, opts);
  const parsed = z.array(ColumnSchema).safeParse(JSON.parse(res.headers.get('x-concord-columns') ?? 'null'));
  if (!parsed.success) fail('The server did not describe the export\'s columns (x-concord-columns): is it an older Concord?');
  const columns = parsed.data;
  const dataFile = `data/${opts.kind}.${format}`;
  const file = path.join(dir, dataFile);
  const records = await writeWhole(file, 'export', (out) => (format === 'parquet' ? writeParquet(body, out, file) : writeJsonl(body, out, columns)));
  const card = datasetCard({ project: info, kind: opts.kind, options: q.toString(), dataFile, columns, records, license: opts.license, citation, version, date: new Date() });
  fs.writeFileSync(path.join(dir, 'README.md'), card);
  process.stdout.write(`Wrote ${records} record${records === 1 ? '' : 's'} to ${file} and the dataset card ${path.join(dir, 'README.md')}\n`);
}

function readCitation(file: string): string {
  if (!fs.existsSync(file)) fail(`--citation ${file}: no such file`);
  const text = fs.readFileSync(file, 'utf8');
  if (!/@\w+\s*\{/.test(text)) fail(`--citation ${file}: no BibTeX entry in it (e.g. @article{key, ...})`);
  return text;
}

/** The Parquet bytes as they come; the record count from the file's footer (hyparquet, the writer's reader). */
async function writeParquet(body: Readable, out: fs.WriteStream, file: string): Promise<number> {
  await pipeline(body, out);
  type Hyparquet = typeof import('hyparquet', { with: { 'resolution-mode': 'import' } });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { asyncBufferFromFile, parquetMetadataAsync } = require('hyparquet') as Hyparquet;
  return Number((await parquetMetadataAsync(await asyncBufferFromFile(file))).num_rows);
}

/**
 * The JSON lines, each with the export's columns in order and those of variable shape as JSON text, as in the
 * Parquet file, so the card's features describe both (a JSONL export's own records keep them as JSON values).
 */
async function writeJsonl(body: Readable, out: fs.WriteStream, columns: readonly Column[]): Promise<number> {
  let n = 0;
  for await (const line of readline.createInterface({ input: body, crlfDelay: Infinity })) {
    if (!line) continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    const row = Object.fromEntries(columns.map((c) => [c.name, textOf(r[c.name], c.type)]));
    n++;
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
  return n;
}

const textOf = (v: unknown, type: ColumnType): unknown => (v === undefined || v === null ? null : type === 'json' ? JSON.stringify(v) : v);

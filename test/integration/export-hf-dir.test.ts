/**
 * `concord export --hf-dir` (issue 12 part 3, ADR 0009): a Hugging Face dataset folder from the PandaLM test set
 * (test/fixtures/pandalm, README and licence there) imported by its preset, through the real CLI. The card's YAML is
 * read with js-yaml (not the `yaml` library that wrote it) and the Parquet file with DuckDB (not its writer).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { runConcord } from '../helpers/cli';
import { pandalmProject } from '../helpers/pandalm';
import { startServer, tempDir, type TestServer } from '../helpers/server';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsYaml = require('js-yaml') as { load(text: string): unknown };
let s: TestServer;
let pid: number;
let duck: DuckDBConnection;
const root = tempDir('concord-hf-');

type Feature = { name: string; dtype?: string; list?: string | Feature[] };
interface Card {
  license: string;
  configs: Array<{ config_name: string; data_files: Array<{ split: string; path: string }> }>;
  dataset_info: { features: Feature[]; splits: Array<{ name: string; num_examples: number }> };
}
/** The card's front matter (between the first two `---` lines) and its body. */
function card(dir: string): { yaml: Card; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(fs.readFileSync(path.join(dir, 'README.md'), 'utf8'));
  expect(m).not.toBeNull();
  return { yaml: jsYaml.load(m![1]!) as Card, body: m![2]! };
}
/** A feature as DuckDB names the type it reads from Parquet (keywords quoted, as DESCRIBE does, are unquoted here). */
function duckType(f: Feature): string {
  const scalar: Record<string, string> = { string: 'VARCHAR', int64: 'BIGINT', float64: 'DOUBLE', bool: 'BOOLEAN' };
  if (f.dtype) return scalar[f.dtype]!;
  return typeof f.list === 'string' ? `${scalar[f.list]}[]` : `STRUCT(${f.list!.map((x) => `${x.name} ${duckType(x)}`).join(', ')})[]`;
}
const sql = async (q: string) => (await duck.runAndReadAll(q)).getRowObjectsJson() as Array<Record<string, unknown>>;
const concord = (...args: string[]) => runConcord(s, 'export', String(pid), ...args);

beforeAll(async () => {
  s = await startServer();
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  pid = await pandalmProject(s);
}, 60_000);

afterAll(async () => {
  duck.closeSync();
  await s.close();
});

describe('concord export --hf-dir', () => {
  test('sft as Parquet: the card names the file, its columns with their types, the licence and the citation', async () => {
    const dir = path.join(root, 'sft');
    const bib = path.join(root, 'pandalm.bib');
    fs.writeFileSync(bib, '@article{wang2023pandalm,\n  title={PandaLM: An Automatic Evaluation Benchmark for LLM Instruction Tuning Optimization},\n  year={2023}\n}\n');
    const r = await concord('--kind', 'sft', '--swap', '--hf-dir', dir, '--license', 'apache-2.0', '--citation', bib);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('Wrote 1998 records');
    const { yaml, body } = card(dir);
    expect(yaml.license).toBe('apache-2.0');
    expect(yaml.configs).toEqual([{ config_name: 'default', data_files: [{ split: 'train', path: 'data/sft.parquet' }] }]);
    const file = path.join(dir, 'data/sft.parquet');
    expect(fs.readdirSync(path.join(dir, 'data'))).toEqual(['sft.parquet']);
    const described = await sql(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    expect(yaml.dataset_info.features.map((f) => [f.name, duckType(f)])).toEqual(described.map((d) => [d.column_name, String(d.column_type).replace(/"/g, '')]));
    expect(yaml.dataset_info.features.find((f) => f.name === 'messages')).toEqual({ name: 'messages', list: [{ name: 'role', dtype: 'string' }, { name: 'content', dtype: 'string' }] });
    expect(await sql(`SELECT count(*) AS n FROM read_parquet('${file}')`)).toEqual([{ n: '1998' }]);
    expect(yaml.dataset_info.splits).toEqual([{ name: 'train', num_examples: 1998 }]);
    expect(body).toContain('1998 records in `data/sft.parquet`');
    expect(body).toContain('`kind=sft&format=parquet&swap=1`');
    expect(body).toMatch(/## Citation\n\n```bibtex\n@article\{wang2023pandalm,/);
  });

  test('gold as JSONL: each line holds exactly the card\'s columns in order, meta as JSON text; the licence defaults to unknown', async () => {
    const dir = path.join(root, 'gold-jsonl');
    const r = await concord('--kind', 'gold', '--format', 'jsonl', '--hf-dir', dir);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const { yaml, body } = card(dir);
    expect(yaml.license).toBe('unknown');
    expect(yaml.configs[0]!.data_files[0]!.path).toBe('data/gold.jsonl');
    const lines = fs.readFileSync(path.join(dir, 'data/gold.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(999);
    expect(yaml.dataset_info.splits[0]!.num_examples).toBe(999);
    const names = yaml.dataset_info.features.map((f) => f.name);
    for (const l of lines) expect(Object.keys(l)).toEqual(names);
    expect(yaml.dataset_info.features.find((f) => f.name === 'meta')).toEqual({ name: 'meta', dtype: 'string' });
    expect(lines.every((l) => l.meta === null || typeof l.meta === 'string')).toBe(true);
    // The same records as the server's JSONL export, meta parsed back.
    const res = await fetch(`${s.url}/api/projects/${pid}/export?kind=gold`, { headers: { authorization: `Bearer ${s.token}` } });
    const server = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => ({ ...l, meta: l.meta === null ? null : JSON.parse(l.meta as string) }))).toEqual(server);
    expect(body).toContain('No citation was given');
  });

  test('--method dawid-skene: the consensus the records carry, named in the card\'s options', async () => {
    const dir = path.join(root, 'gold-ds');
    const r = await concord('--kind', 'gold', '--method', 'dawid-skene', '--hf-dir', dir);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(card(dir).body).toContain('`kind=gold&format=parquet&method=dawid-skene`');
    // Under majority no record has a posterior; under Dawid-Skene every voted item has the model's, in (0, 1].
    const file = path.join(dir, 'data/gold.parquet');
    const [c] = await sql(`SELECT count(*) AS n, count(posterior) AS with_posterior, count_if(posterior > 0 AND posterior <= 1) AS in_range FROM read_parquet('${file}')`);
    expect(c).toEqual({ n: '999', with_posterior: '999', in_range: '999' });
  });

  test('an export cut short after its first bytes leaves no file that looks whole (-o and --hf-dir, Parquet and JSONL)', async () => {
    // A server that answers as Concord does, then drops the connection halfway through the real export's bytes.
    const proxy = http.createServer((req, res) => {
      void (async () => {
        const real = await fetch(s.url + req.url!, { headers: { authorization: `Bearer ${s.token}` } });
        const bytes = Buffer.from(await real.arrayBuffer());
        if (!req.url!.includes('/export')) return void res.writeHead(real.status, { 'content-type': 'application/json' }).end(bytes);
        res.writeHead(200, { 'content-type': real.headers.get('content-type')!, 'x-concord-columns': real.headers.get('x-concord-columns')! });
        res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
      })();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const cut = { ...s, url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` };
    try {
      const out = path.join(root, 'cut.parquet');
      const r = await runConcord(cut, 'export', String(pid), '--kind', 'preference', '--format', 'parquet', '-o', out);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`The export stopped before its end`);
      expect(fs.existsSync(out)).toBe(false);
      for (const format of ['parquet', 'jsonl']) {
        const dir = path.join(root, `cut-${format}`);
        const h = await runConcord(cut, 'export', String(pid), '--kind', 'preference', '--format', format, '--hf-dir', dir);
        expect(h.code).toBe(1);
        expect(h.stderr).toContain(`${path.join(dir, `data/preference.${format}`)} was removed`);
        expect(fs.readdirSync(path.join(dir, 'data'))).toEqual([]);
        expect(fs.existsSync(path.join(dir, 'README.md'))).toBe(false);
      }
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  test('a folder that is not empty is refused unless --force; a CSV folder is refused', async () => {
    const dir = path.join(root, 'busy');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const r = await concord('--kind', 'preference', '--hf-dir', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--hf-dir ${dir} is not empty`);
    expect(r.stderr).toContain('--force');
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    const forced = await concord('--kind', 'preference', '--hf-dir', dir, '--force');
    expect(forced).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readdirSync(dir).sort()).toEqual(['README.md', 'data', 'notes.txt']);
    expect(await sql(`SELECT count(*) AS n FROM read_parquet('${path.join(dir, 'data/preference.parquet')}')`)).toEqual([{ n: '894' }]);
    const csv = await concord('--format', 'csv', '--hf-dir', path.join(root, 'csv'));
    expect(csv.code).toBe(1);
    expect(csv.stderr).toContain('--hf-dir writes parquet (the default) or jsonl');
    // A project that is not there makes no folder.
    const none = await runConcord(s, 'export', '999999', '--kind', 'gold', '--hf-dir', path.join(root, 'none'));
    expect(none.code).toBe(1);
    expect(fs.existsSync(path.join(root, 'none'))).toBe(false);
  });
});

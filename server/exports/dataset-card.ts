/**
 * A Hugging Face dataset card (README.md) for an export written as a dataset folder (`concord export --hf-dir`):
 * YAML front matter with the licence, the `configs` that point `load_dataset` at the data file, and
 * `dataset_info.features` (the export's typed columns, columns.ts, in the datasets library's YAML form: a scalar is
 * `dtype: <type>`, a list is `list: <type>` or `list:` of fields, as `Features._to_yaml_list` writes a Python list
 * feature); then what the export is and how to cite it.
 */
import { stringify } from 'yaml';
import type { Column, ColumnType } from './columns';

/** A feature in the card's YAML: `{ name, dtype }` or `{ name, list }`. */
export type Feature = { name: string; dtype: string } | { name: string; list: string | Feature[] };

const DTYPE: Record<string, string> = { string: 'string', json: 'string', int64: 'int64', float64: 'float64', bool: 'bool' };

function feature(name: string, type: ColumnType): Feature {
  if (typeof type === 'string') return { name, dtype: DTYPE[type]! };
  return { name, list: typeof type.list === 'string' ? DTYPE[type.list]! : type.list.map((c) => feature(c.name, c.type)) };
}

/** The columns as `dataset_info.features`; JSON-text columns are strings. */
export const features = (columns: readonly Column[]): Feature[] => columns.map((c) => feature(c.name, c.type));

export interface CardInput {
  project: { id: number; name: string; type: string };
  kind: string;
  /** The export's query string (its options), as the server was asked. */
  options: string;
  /** The data file's path inside the folder, e.g. `data/sft.parquet`. */
  dataFile: string;
  columns: readonly Column[];
  records: number;
  /** A Hugging Face licence identifier (huggingface.co/docs/hub/repositories-licenses), `unknown` when not said. */
  license: string;
  /** BibTeX to cite the data by, if the researcher gave one. */
  citation: string | null;
  version: string;
  date: Date;
}

/**
 * User text (a project's name) as inline Markdown that shows as itself on the Hub: on one line, HTML's `<`, `>`
 * and `&` as entities, and every other ASCII punctuation Markdown reads backslash-escaped (CommonMark lets any be).
 */
export function inlineText(text: string): string {
  const html: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };
  return text
    .replace(/\s+/g, ' ')
    .replace(/[<>&]/g, (ch) => html[ch]!)
    .replace(/[\\`*_{}[\]()#+\-.!|~"]/g, '\\$&');
}

/** A fenced code block whose fence is longer than any run of backticks in the text, so the text cannot close it. */
function fenced(info: string, text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, text, fence].join('\n');
}

/** The card's text: front matter, then the description and the citation section. */
export function datasetCard(c: CardInput): string {
  const name = inlineText(c.project.name);
  const header = {
    license: c.license,
    pretty_name: `${c.project.name} (${c.kind})`,
    tags: ['concord', c.kind],
    configs: [{ config_name: 'default', data_files: [{ split: 'train', path: c.dataFile }] }],
    dataset_info: { features: features(c.columns), splits: [{ name: 'train', num_examples: c.records }] },
  };
  const body = [
    `# ${name}: ${c.kind} export`,
    '',
    `Exported by Concord ${c.version} on ${c.date.toISOString()} from project ${c.project.id} ("${name}", a ${c.project.type} project):`,
    `the \`${c.kind}\` export, ${c.records} record${c.records === 1 ? '' : 's'} in \`${c.dataFile}\`, with the options \`${c.options}\`.`,
    'Columns of variable shape (an item\'s meta, conversations) hold their JSON text.',
    '',
    '```python',
    'from datasets import load_dataset',
    `ds = load_dataset("path/to/this/folder", split="train")`,
    '```',
    '',
    '## Citation',
    '',
    c.citation ? fenced('bibtex', c.citation.trim()) : 'No citation was given when this folder was written (`concord export --citation <file.bib>`).',
    '',
  ];
  return `---\n${stringify(header, { lineWidth: 0 })}---\n\n${body.join('\n')}`;
}

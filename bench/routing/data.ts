/**
 * The crowd the routing benchmark replays: Snow, O'Connor, Jurafsky & Ng (2008), "Cheap and Fast — But is it Good?
 * Evaluating Non-Expert Annotations for Natural Language Tasks" (EMNLP 254–263), as the MACE release ships it
 * (`data/test/{rte,temporal}.{csv,key}`, read by test/fixtures/crowd/mace-csv.ts): RTE, 800 items with 10
 * Mechanical Turk labels each; temporal ordering, 462 items with 10 each; an expert key for both. The files carry
 * no licence, so they are never committed: the benchmark reads them from `--data <dir>` or MACE_DATA_DIR.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readMace } from '../../test/fixtures/crowd/mace-csv';

export const DATASETS = ['rte', 'temporal'] as const;
export type Dataset = (typeof DATASETS)[number];

export interface CrowdItem {
  /** The item's id in the project (its line in the release's files, 1-based). */
  id: string;
  /** The expert key's class. */
  truth: string;
  /** The Mechanical Turk labels in the release's column order: the item's k-th human label in the replay is `labels[k]`. */
  labels: string[];
}

export interface Crowd {
  dataset: Dataset;
  dir: string;
  classes: string[];
  items: CrowdItem[];
}

/** What to run when the data are missing (README.md here and test/fixtures/crowd/README.md say why they are not committed). */
export const HOW_TO_GET = [
  'The Snow et al. (2008) crowd labels are not committed (no licence). Get them from the MACE release, e.g.:',
  '  git clone https://github.com/dirkhovy/MACE /tmp/MACE',
  '  mkdir -p /tmp/mace-release && git -C /tmp/MACE archive 10f231ee2d43d6e38c777cbbed299f9ecd1c2d07 data/test | tar -x -C /tmp/mace-release',
  'then run with --data /tmp/mace-release (or MACE_DATA_DIR=/tmp/mace-release, as the opt-in Snow et al. tests take it).',
].join('\n');

/** The folder holding `<dataset>.csv` and `.key`: `dir` itself, or its `data/test` (the archive's layout). */
function folderOf(dir: string, dataset: Dataset): string | null {
  for (const d of [dir, path.join(dir, 'data', 'test')]) if (fs.existsSync(path.join(d, `${dataset}.csv`)) && fs.existsSync(path.join(d, `${dataset}.key`))) return d;
  return null;
}

/** Reads the data set; throws saying where it looked and how to get the files when they are not there. */
export function loadCrowd(dir: string, dataset: Dataset): Crowd {
  if (!dir) throw new Error(`No data folder: give --data <dir> or set MACE_DATA_DIR.\n${HOW_TO_GET}`);
  const folder = folderOf(dir, dataset);
  if (!folder) throw new Error(`${dataset}.csv and ${dataset}.key are not in ${dir} (nor in its data/test).\n${HOW_TO_GET}`);
  const { input, classes, truth } = readMace(folder, dataset);
  const items: CrowdItem[] = Array.from(truth, (t, i) => ({ id: `${dataset}-${String(i + 1).padStart(4, '0')}`, truth: classes[t]!, labels: [] }));
  for (let k = 0; k < input.n; k++) items[input.item[k]!]!.labels.push(classes[input.code[k]!]!);
  const short = items.find((it) => it.labels.length === 0);
  if (short) throw new Error(`${path.join(folder, `${dataset}.csv`)}: item ${short.id} has no labels`);
  return { dataset, dir: folder, classes, items };
}

/** The class most of `labels` give, or null on a tie (the replay's own majority, to check the server's gold against). */
export function majority(labels: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  if (sorted.length === 0 || (sorted.length > 1 && sorted[0]![1] === sorted[1]![1])) return null;
  return sorted[0]![0];
}

/** Concord's version, from package.json, read once (the CLI's --version, the dataset card, Parquet's created_by). */
import fs from 'node:fs';
import path from 'node:path';

let version: string | undefined;
export const concordVersion = (): string =>
  (version ??= (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as { version: string }).version);

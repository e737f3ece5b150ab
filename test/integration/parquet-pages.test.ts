/**
 * The gold Parquet export's threads write the very bytes one hyparquet-writer ParquetWriter writes for the same row
 * groups (issue 14; server/exports/parquet-pages.ts, parquet-shred.ts): the check runs in a child process
 * (test/helpers/parquet-pages-check.ts), hyparquet-writer being an ES module jest's CommonJS runtime cannot load.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

test('pages encoded by two encoders and a rebased footer are the single writer’s file, byte for byte', () => {
  const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, '../helpers/parquet-pages-check.ts')], { cwd: path.join(__dirname, '../..') }).toString();
  const cases = out.trim().split('\n').map((l) => JSON.parse(l) as { name: string; groups: number; pages: number; indexed: number; same: boolean });
  expect(cases.length).toBe(6);
  for (const c of cases) expect(c).toEqual({ ...c, same: true });
  // Several pages a case (two encoders), several groups, and column chunks with an offset index (rebased too).
  expect(cases.filter((c) => c.pages > 2 && c.groups > 2).length).toBeGreaterThanOrEqual(4);
  expect(cases.find((c) => c.name.includes('page indexes'))!.indexed).toBeGreaterThan(0);
}, 60_000);

/**
 * A user's clone has nothing beside it: every file the suite and the benchmarks name through `__dirname` must lie
 * inside the repository. (The PandaLM tests once read `../shared/data/pandalm`, which only CI has.)
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'fixtures' ? [] : sources(p);
    return /\.(ts|js|mjs|cjs|sh)$/.test(e.name) ? [p] : [];
  });
}

describe('the suite is self-contained', () => {
  const files = ['test', 'bench', 'scripts'].flatMap((d) => sources(path.join(ROOT, d)));

  test('every path built from __dirname in test/, bench/ and scripts/ stays inside the repository', () => {
    const outside: string[] = [];
    const call = /(?:resolve|join)\(\s*__dirname\s*((?:,\s*'[^']*'\s*)+)\)/g;
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(call)) {
        const parts = [...m[1]!.matchAll(/'([^']*)'/g)].map((p) => p[1]!);
        const target = path.resolve(path.dirname(file), ...parts);
        if (path.relative(ROOT, target).startsWith('..')) outside.push(`${path.relative(ROOT, file)}: ${m[0]}`);
      }
    }
    expect(outside).toEqual([]);
  });

  test('no file names the shared folder that only CI has beside the repository', () => {
    const naming = files.filter((f) => f !== __filename && /shared\/data/.test(fs.readFileSync(f, 'utf8')));
    expect(naming.map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  test('the PandaLM fixture carries its licence and source', () => {
    const dir = path.join(ROOT, 'test/fixtures/pandalm');
    expect(fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toMatch(/WeOpenML\/PandaLM/);
  });
});

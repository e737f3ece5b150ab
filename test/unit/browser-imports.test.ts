/**
 * The browser app never loads zod: shared/schemas.ts configures zod when it is imported, so client code takes
 * only types from it, and the plain constants it needs come from shared/constants.ts, which imports nothing.
 * Follows every import that survives compilation (not `import type`) from client/src through shared/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const CLIENT = path.join(ROOT, 'client/src');
const IMPORT = /^\s*import\s+(?:([^'"]*?)\s+from\s+)?['"]([^'"]+)['"]/gm;

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourcesUnder(p) : /\.(ts|svelte)$/.test(e.name) ? [p] : [];
  });
}

/** What a file imports at run time: `import type …` and `import { type A, type B } …` are erased. */
function runtimeImports(file: string): string[] {
  const out: string[] = [];
  for (const [, clause, spec] of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const c = clause?.trim() ?? '';
    if (c.startsWith('type ')) continue;
    const named = /^\{([\s\S]*)\}$/.exec(c);
    if (named && named[1]!.split(',').every((n) => !n.trim() || n.trim().startsWith('type '))) continue;
    out.push(spec!);
  }
  return out;
}

function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  throw new Error(`${path.relative(ROOT, from)} imports ${spec}, which does not resolve`);
}

/** Every package these files load, with the chain of files that brings each in. */
function packagesLoaded(entries: string[]): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of runtimeImports(file)) {
      const next = resolve(file, spec);
      if (next) walk(next, [...chain, path.relative(ROOT, next)]);
      else if (!packages.has(spec)) packages.set(spec, chain);
    }
  };
  for (const f of entries) walk(f, [path.relative(ROOT, f)]);
  return packages;
}

describe('what the browser bundle loads', () => {
  it('no client file reaches zod through its imports', () => {
    const chain = packagesLoaded(sourcesUnder(CLIENT)).get('zod');
    expect(chain ? `zod via ${chain.join(' → ')}` : 'no zod').toBe('no zod');
  });

  it('shared/constants.ts imports nothing, so any side may take its values', () => {
    expect(runtimeImports(path.join(ROOT, 'shared/constants.ts'))).toEqual([]);
  });

  it('the check sees a value import of shared/schemas.ts as one that brings zod in', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-imports-'));
    const shared = path.relative(dir, path.join(ROOT, 'shared'));
    const typesOnly = path.join(dir, 'types-only.ts');
    const value = path.join(dir, 'value.ts');
    try {
      fs.writeFileSync(typesOnly, `import type { TaskType } from '${shared}/schemas';\nimport { type Range } from '${shared}/schemas';\nimport { DEFAULT_SCALE } from '${shared}/constants';\n`);
      fs.writeFileSync(value, `import { TaskType } from '${shared}/schemas';\n`);
      expect(packagesLoaded([typesOnly]).has('zod')).toBe(false);
      expect(packagesLoaded([value]).get('zod')).toEqual([path.relative(ROOT, value), 'shared/schemas.ts']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

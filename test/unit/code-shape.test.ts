/**
 * The house's size rules, checked on every run so they hold as features land: no source file over 400 lines and
 * no function over 80 (tests aside). A long function is split into named parts a reader can hold on one screen.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const FOLDERS = ['server', 'shared', 'judge-worker', 'client/src', 'bench'];
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'results') out.push(...sources(p));
    } else if (/\.(ts|js|svelte)$/.test(entry.name)) out.push(p);
  }
  return out;
}

const files = FOLDERS.flatMap((f) => sources(path.join(ROOT, f)));
const rel = (p: string) => path.relative(ROOT, p);
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** The script of a .svelte file (where its functions are), or the whole file. */
function scriptOf(file: string, text: string): { code: string; offset: number } {
  if (!file.endsWith('.svelte')) return { code: text, offset: 0 };
  const m = /<script[^>]*>([\s\S]*?)<\/script>/.exec(text);
  if (!m) return { code: '', offset: 0 };
  return { code: m[1]!, offset: lineCount(text.slice(0, m.index)) };
}

function longFunctions(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const { code, offset } = scriptOf(file, text);
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > MAX_FUNCTION_LINES) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : ts.isConstructorDeclaration(node) ? 'constructor' : '(anonymous)';
        found.push(`${rel(file)}:${start + 1 + offset} ${name} is ${lines} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('code shape', () => {
  it(`finds the source folders (${FOLDERS.join(', ')})`, () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it(`keeps every source file under ${MAX_FILE_LINES} lines`, () => {
    const long = files.map((f) => [rel(f), lineCount(fs.readFileSync(f, 'utf8'))] as const).filter(([, n]) => n > MAX_FILE_LINES);
    expect(long.map(([f, n]) => `${f} is ${n} lines`)).toEqual([]);
  });

  it(`keeps every function under ${MAX_FUNCTION_LINES} lines`, () => {
    expect(files.flatMap(longFunctions)).toEqual([]);
  });
});

/**
 * The dataset card (server/exports/dataset-card.ts) is Markdown the Hugging Face Hub renders: a project's name and a
 * researcher's BibTeX are user text and must show as text, whatever Markdown or HTML they hold. Rendered here with
 * `marked` (a CommonMark renderer independent of the card's writer).
 */
import path from 'node:path';
import { datasetCard, type CardInput } from '../../server/exports/dataset-card';

// marked's CommonJS build (its ES module is not loadable by jest's require on Node 20; the package's exports name no other).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { marked } = require(path.resolve(__dirname, '../../node_modules/marked/lib/marked.umd.js')) as typeof import('marked', { with: { 'resolution-mode': 'import' } });

const input = (over: Partial<CardInput> = {}): CardInput => ({
  project: { id: 3, name: 'PandaLM', type: 'pairwise' },
  kind: 'sft',
  options: 'kind=sft&format=parquet',
  dataFile: 'data/sft.parquet',
  columns: [{ name: 'id', type: 'string' }],
  records: 2,
  license: 'apache-2.0',
  citation: null,
  version: '0.1.0',
  date: new Date('2026-12-02T00:00:00Z'),
  ...over,
});
/** The card's body (after the front matter) as HTML. */
const html = (c: CardInput) => marked.parse(datasetCard(c).replace(/^---\n[\s\S]*?\n---\n/, ''), { async: false });

describe('dataset card', () => {
  test("a project name holding Markdown, HTML and new lines shows as that text: one heading, no element of its own", () => {
    const name = 'Evil <img src=x onerror=alert(1)> *bold* [link](/evil)\n\n## Injected\n---';
    const out = html(input({ project: { id: 3, name, type: 'pairwise' } }));
    expect(out).not.toMatch(/<img|<em>|<strong>|<a |<hr/);
    expect(out.match(/<h[1-6]/g)).toEqual(['<h1', '<h2']);
    expect(out).toContain('<h2>Citation</h2>');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt; *bold* [link](/evil) ## Injected ---');
  });

  test('a citation holding a code fence stays inside its code block', () => {
    const citation = '@misc{k,\n  note={a}\n}\n```\n<script>alert(1)</script>\n# Title';
    const out = html(input({ citation }));
    expect(out).not.toContain('<script>');
    expect(out.match(/<h[1-6]/g)).toEqual(['<h1', '<h2']);
    const code = /<pre><code class="language-bibtex">([\s\S]*?)<\/code><\/pre>/.exec(out);
    expect(code?.[1]).toBe('@misc{k,\n  note={a}\n}\n```\n&lt;script&gt;alert(1)&lt;/script&gt;\n# Title\n');
  });
});

/**
 * Item text is untrusted: it is rendered as Markdown with raw HTML shown as text (never as markup), code blocks
 * highlighted with a few registered languages, and the result passed through DOMPurify before it reaches the DOM.
 */
import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';

hljs.registerLanguage('bash', bash);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('json', json);
hljs.registerLanguage('python', python);
hljs.registerLanguage('sql', sql);
hljs.registerLanguage('typescript', typescript);

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    // Raw HTML in an item is shown as the text it is, so `<script>` reads as `<script>` and runs nothing.
    html(token: Tokens.HTML | Tokens.Tag) {
      return escape(token.text);
    },
    code(token: Tokens.Code) {
      const lang = (token.lang ?? '').trim().split(/\s+/)[0]!.toLowerCase();
      const body = lang && hljs.getLanguage(lang) ? hljs.highlight(token.text, { language: lang, ignoreIllegals: true }).value : escape(token.text);
      return `<pre><code class="hljs${lang ? ` language-${escape(lang)}` : ''}">${body}</code></pre>\n`;
    },
  },
});

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

const cache = new Map<string, string>();

/** Markdown to safe HTML. Memoised (small LRU): the same answer re-renders when a task comes back after a reconnect. */
export function renderMarkdown(text: string | null | undefined): string {
  if (!text) return '';
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const html = DOMPurify.sanitize(marked.parse(text, { async: false }) as string, {
    USE_PROFILES: { html: true },
    // Remote images in untrusted text would leak who reads it and when; links stay.
    FORBID_TAGS: ['img', 'style', 'form', 'input', 'button', 'iframe', 'object', 'embed', 'svg', 'math'],
    FORBID_ATTR: ['style'],
  });
  if (cache.size > 64) cache.delete(cache.keys().next().value!);
  cache.set(text, html);
  return html;
}

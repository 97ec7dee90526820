/**
 * The page a static route with `showIndex` answers for a folder: its
 * entries, sorted, folders with a trailing `/`, every name HTML-escaped and
 * every link URL-escaped (a file may be called `<script>` or `a"b`).
 * @module
 */
import { readdir } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { Response } from '../response.js';
import { quoteValue } from './path-encoding.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' };

/** `s` safe in HTML text and in a quoted attribute. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/**
 * @internal The index page of `dir` (inside `root`), its links under
 * `urlPrefix` (already in URL form).
 */
export async function directoryIndex(dir: string, root: string, urlPrefix: string): Promise<Response> {
  const rel = relative(root, dir).split(sep).join('/');
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const title = `Index of /${escapeHtml(rel)}`;
  const items: string[] = [];
  for (const e of entries) {
    const shown = e.isDirectory() ? `${e.name}/` : e.name;
    const href = `${urlPrefix}/${quoteValue(rel === '' ? e.name : `${rel}/${e.name}`, true)}`;
    items.push(`<li><a href="${escapeHtml(href)}">${escapeHtml(shown)}</a></li>`);
  }
  const text = `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n<h1>${title}</h1>\n<ul>\n${items.join('\n')}\n</ul>\n</body>\n</html>\n`;
  return new Response({ text, contentType: 'text/html' });
}

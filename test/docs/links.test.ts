// Every relative link of README.md and docs/*.md points to a file that exists,
// and every #anchor to a heading of that file (GitHub's slugs).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { docFiles } from './blocks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The text outside fenced blocks and inline code, where links are links. */
function prose(text: string): string {
  return text.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\s*\2[^\n]*$/gm, '').replace(/(`+)[^`\n]*?\1/g, '');
}

/** GitHub's anchor for a heading: rendered text, lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link shows its text
    .replace(/<[^>]+>/g, ''); // tags show nothing
  return text.trim().toLowerCase().replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Every anchor of a markdown file, duplicates numbered as GitHub does (`x`, `x-1`, ...). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const body = text.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\s*\2[^\n]*$/gm, '');
  for (const m of body.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

test('slug() follows GitHub', () => {
  assert.equal(slug('Core (`bench/core`)'), 'core-benchcore');
  assert.equal(slug('How aiots knows the current task'), 'how-aiots-knows-the-current-task');
  assert.equal(slug('`new Application(options?)`'), 'new-applicationoptions');
  assert.equal(slug('Serving from the command line: `aiots serve`'), 'serving-from-the-command-line-aiots-serve');
  assert.equal(slug('A [link](x.md) and **bold**'), 'a-link-and-bold');
  assert.deepEqual([...anchors('# A\n## A\n```\n# not a heading\n```\n### B!\n')], ['a', 'a-1', 'b']);
});

test('relative links and anchors in README.md and docs/ resolve', () => {
  const problems: string[] = [];
  let count = 0;
  for (const file of docFiles(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of prose(text).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1] as string;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      count++;
      const hash = target.indexOf('#');
      const path = hash === -1 ? target : target.slice(0, hash);
      const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
      const abs = path === '' ? join(root, file) : join(dirname(join(root, file)), decodeURIComponent(path));
      if (!existsSync(abs)) {
        problems.push(`${file}: ${target}: no file ${relative(root, abs)}`);
        continue;
      }
      if (anchor === null) continue;
      if (!abs.endsWith('.md') || statSync(abs).isDirectory()) {
        problems.push(`${file}: ${target}: an anchor into a file that is not markdown`);
        continue;
      }
      if (!anchors(readFileSync(abs, 'utf8')).has(anchor)) problems.push(`${file}: ${target}: no heading #${anchor} in ${relative(root, abs)}`);
    }
  }
  assert.ok(count >= 15, `only ${count} relative links found`);
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

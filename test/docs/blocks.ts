// The code blocks of README.md and docs/*.md, and the notes that say how to test them.
//
// Conventions (CONTRIBUTING.md repeats them):
// - ```ts     type-checked, as a module of its own, under the project's tsconfig.
// - ```ts runnable   type-checked, then run with tsx (cheap, no network but 127.0.0.1).
// - ```ts nocheck    deliberately partial; neither checked nor run. Keep these few.
// - HTML comments on the lines right above a fence, hidden on GitHub:
//   <!-- prelude: declare const app: import('aiots/web').Application; -->
//     code put before the block (declarations of what it elides); may span lines;
//   <!-- stdout: first line
//   second line -->
//     what a runnable block must print (compared after trimming).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Block {
  /** Path relative to the repository root, e.g. `docs/core.md`. */
  readonly file: string;
  /** 1-based line of the block's first line of code in `file`. */
  readonly line: number;
  readonly lang: string;
  readonly tags: readonly string[];
  readonly code: string;
  readonly prelude: string;
  readonly stdout: string | null;
}

/** README.md and every docs/*.md, relative to `root`. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', ...docs.map((f) => `docs/${f}`)];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)(.*)$/;
const NOTE = /^<!--\s*(prelude|stdout):([\s\S]*?)-->$/;

/** Every fenced block of one markdown file, with the notes right above it. */
export function extractBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] as string);
    if (open === null) continue;
    const fence = open[2] as string;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !(lines[end] as string).trimStart().startsWith(fence)) end++;
    const notes = notesAbove(lines, i);
    blocks.push({
      file,
      line: start + 1,
      lang: open[3] as string,
      tags: (open[4] as string).trim().split(/\s+/).filter((t) => t !== ''),
      code: lines.slice(start, end).join('\n'),
      prelude: notes.prelude,
      stdout: notes.stdout,
    });
    i = end;
  }
  return blocks;
}

/** The `<!-- prelude: ... -->` and `<!-- stdout: ... -->` comments ending on the line above `fenceLine`. */
function notesAbove(lines: readonly string[], fenceLine: number): { prelude: string; stdout: string | null } {
  let prelude = '';
  let stdout: string | null = null;
  let j = fenceLine - 1;
  while (j >= 0 && (lines[j] as string).trimEnd().endsWith('-->')) {
    let k = j;
    while (k >= 0 && !(lines[k] as string).trimStart().startsWith('<!--')) k--;
    if (k < 0) break;
    const m = NOTE.exec(lines.slice(k, j + 1).join('\n').trim());
    if (m === null) break;
    const body = (m[2] as string).trim();
    if (m[1] === 'prelude') prelude = `${body}\n${prelude}`;
    else stdout = body;
    j = k - 1;
  }
  return { prelude, stdout };
}

/** The blocks of every doc file under `root`. */
export function allBlocks(root: string): Block[] {
  return docFiles(root).flatMap((f) => extractBlocks(f, readFileSync(join(root, f), 'utf8')));
}

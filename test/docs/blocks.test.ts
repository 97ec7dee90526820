// Every ```ts block of README.md and docs/*.md compiles under the project's
// strict settings (tsconfig.json: strict, exactOptionalPropertyTypes,
// noUncheckedIndexedAccess, ...) plus noPropertyAccessFromIndexSignature, all
// in one compiler program; the blocks tagged `runnable` run under tsx and print
// what their `stdout` note says.
// The tags and notes are described in ./blocks.ts and CONTRIBUTING.md.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { allBlocks, type Block } from './blocks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TAGS = new Set(['runnable', 'nocheck']);
const blocks = allBlocks(root).filter((b) => b.lang === 'ts' || b.lang === 'typescript');
const checked = blocks.filter((b) => !b.tags.includes('nocheck'));

/** Where a block lives as a virtual module: inside the repository, so `@types/node` and the paths resolve. */
function virtualPath(b: Block): string {
  return join(root, 'test/docs/.blocks', `${b.file.replace(/[/.]/g, '_')}_${b.line}.ts`);
}

/** The module text: prelude, code, and `export {}` so that every block is a module (top-level await). */
function moduleText(b: Block): string {
  return `${b.prelude}${b.code}\nexport {};\n`;
}

test('doc blocks use known tags', () => {
  for (const b of blocks) {
    for (const t of b.tags) assert.ok(TAGS.has(t), `${b.file}:${b.line}: unknown tag ${t}`);
  }
  assert.ok(checked.length >= 30, `only ${checked.length} blocks found`);
});

test('every ts block of README.md and docs/ type-checks under the strict settings', () => {
  const cfg = ts.readConfigFile(join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  // noPropertyAccessFromIndexSignature on top (the project itself does not set it): users
  // who do can write every documented line as it is.
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, noPropertyAccessFromIndexSignature: true };
  const files = new Map<string, { text: string; block: Block; preludeLines: number }>();
  for (const b of checked) {
    files.set(virtualPath(b), { text: moduleText(b), block: b, preludeLines: b.prelude === '' ? 0 : b.prelude.split('\n').length - 1 });
  }
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (p) => files.has(p) || fileExists.call(host, p);
  host.readFile = (p) => files.get(p)?.text ?? readFile.call(host, p);
  host.getSourceFile = (p, lang, ...rest) => {
    const v = files.get(p);
    return v !== undefined ? ts.createSourceFile(p, v.text, lang, true) : getSourceFile.call(host, p, lang, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const problems: string[] = [];
  for (const [path, v] of files) {
    const sf = program.getSourceFile(path);
    assert.ok(sf !== undefined, path);
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const { line } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
      const where = line < v.preludeLines ? `${v.block.line} (prelude)` : String(v.block.line + line - v.preludeLines);
      problems.push(`${v.block.file}:${where}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

/** The block with `aiots` imports pointed at src/, so it runs from a temporary directory. */
function runnableText(b: Block): string {
  const src = (sub: string): string => pathToFileURL(join(root, 'src', sub)).href;
  const map: Record<string, string> = {
    aiots: src('index.ts'), 'aiots/web': src('web/index.ts'), 'aiots/client': src('client/index.ts'), 'aiots/test': src('testing/index.ts'),
  };
  return moduleText(b).replace(/(from\s+|import\s*\(\s*)'(aiots(?:\/\w+)?)'/g, (all, head: string, name: string) => {
    const to = map[name];
    return to === undefined ? all : `${head}'${to}'`;
  });
}

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', file], { cwd: root, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

test('runnable doc blocks run and print what they say', async (t) => {
  const runnable = blocks.filter((b) => b.tags.includes('runnable'));
  assert.ok(runnable.length >= 5, `only ${runnable.length} runnable blocks`);
  const dir = mkdtempSync(join(tmpdir(), 'aiots-docs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const b of runnable) {
    const file = join(dir, `${b.file.replace(/[/.]/g, '_')}_${b.line}.mts`); // .mts: ESM without a package.json
    writeFileSync(file, runnableText(b));
    const r = await run(file);
    const where = `${b.file}:${b.line}`;
    assert.equal(r.code, 0, `${where} exited with ${r.code}\n${r.stderr}`);
    assert.equal(r.stderr, '', `${where} wrote to stderr`);
    if (b.stdout !== null) assert.equal(r.stdout.trim(), b.stdout, `${where} printed something else`);
  }
});

// toThread() sends the function's source to a worker, so the source must run
// there whatever made it from the .ts file: tsx (the runner of `npm start`
// and of these tests, whose esbuild adds __name(...) calls), tsc, and Node's
// own type stripping (on by default from Node 23.6 and 22.18).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = readFileSync(new URL('fixtures/to-thread/names.ts', import.meta.url), 'utf8');
const EXPECTED = 'norm round Total 6.41\n';
let dir = '';

// aiots's core as tsc emits it (one file at a time: the project has
// isolatedModules, so this is the same output as `tsc -p`, without the checking).
function emitCore(out: string): void {
  const compilerOptions: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true };
  const files = ['src/index.ts', ...readdirSync(join(root, 'src/core'), { recursive: true, encoding: 'utf8' }).map((f) => `src/core/${f}`)];
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(join(root, file), 'utf8'), { compilerOptions, fileName: file });
    const target = join(out, relative('src', file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'aiots-to-thread-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  emitCore(join(dir, 'dist'));
  const source = fixture.replace('\'../../../../src/index.js\'', '\'./dist/index.js\'');
  assert.notEqual(source, fixture, 'the fixture import was not rewritten');
  writeFileSync(join(dir, 'names.ts'), source);
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  writeFileSync(join(dir, 'names.js'), js);
});

after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function node(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // cwd: the repository, where `--import tsx` finds tsx.
    execFile(process.execPath, args, { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

test('under tsx (esbuild keepNames: __name calls in the source)', async () => {
  const r = await node(['--import', 'tsx', join(dir, 'names.ts')]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, EXPECTED);
  assert.equal(r.code, 0);
});

test('as tsc output', async () => {
  assert.doesNotMatch(readFileSync(join(dir, 'names.js'), 'utf8'), /__name|: number/);
  const r = await node([join(dir, 'names.js')]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, EXPECTED);
  assert.equal(r.code, 0);
});

// Node 22.6+ strips types behind a flag, 22.18+ and 23.6+ by default.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const strips = (process.features as { typescript?: string | false }).typescript;
const canStrip = Boolean(strips) || major > 22 || (major === 22 && minor >= 6);
const stripSkip = canStrip ? false : `Node ${process.versions.node} cannot strip types (22.6+ can); CI runs this on Node 24 and 26`;

test('with Node\'s own type stripping', { skip: stripSkip }, async () => {
  const r = await node([...(strips ? [] : ['--experimental-strip-types']), '--no-warnings', join(dir, 'names.ts')]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, EXPECTED);
  assert.equal(r.code, 0);
});

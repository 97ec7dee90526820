// `aiots serve ./app.ts:app` as a user runs it: the compiled CLI under plain
// `node`, no loader given. It uses the project's tsx when that resolves from
// the app, else Node's type stripping where it is on, else says what to install.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
let work = ''; // inside the repository (.cache/ is git-ignored), so aiots's dependencies resolve
let pkg = ''; // an `aiots` package: the repository's package.json and src/ compiled to dist/
let outside = ''; // a project under the system temp dir: aiots linked in, no tsx within reach

// src/ as tsc emits it, file by file (the project has isolatedModules, so
// this is `tsc -p tsconfig.build.json` without the checking, and much faster).
function emit(out: string): void {
  const compilerOptions: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true };
  for (const file of readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    const path = join(root, 'src', file);
    const { outputText } = ts.transpileModule(readFileSync(path, 'utf8'), { compilerOptions, fileName: path });
    const target = join(out, file).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
}

/**
 * A project dir with `"type": "module"`, `node_modules/aiots` linked to the
 * compiled package, and `files`. Its own tsconfig.json stops tsx from finding
 * the repository's, whose `paths` map `aiots/web` to src/.
 */
function project(dir: string, files: Record<string, string>): string {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(dir, 'node_modules', 'aiots'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "module": "NodeNext", "strict": true } }\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

// Type annotations, an interface and `satisfies`: none of it runs as JavaScript.
const APP = `import * as web from 'aiots/web';
interface Greeting { readonly text: string }
export const app: web.Application = new web.Application();
app.router.addGet('/', async (): Promise<web.Response> => new web.Response({ text: ({ text: 'typed' } satisfies Greeting).text }));
`;

before(() => {
  mkdirSync(join(root, '.cache'), { recursive: true });
  work = mkdtempSync(join(root, '.cache', 'aiots-serve-ts-'));
  pkg = join(work, 'aiots');
  mkdirSync(pkg);
  copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
  emit(join(pkg, 'dist'));
  outside = mkdtempSync(join(tmpdir(), 'aiots-serve-ts-'));
  project(outside, { 'app.ts': APP });
});

after(() => {
  for (const d of [work, outside]) if (d !== '') rmSync(d, { recursive: true, force: true });
});

interface Run { readonly port: number | null; readonly code: number | null; readonly stderr: string; stop(): Promise<number | null> }

/** `node [nodeArgs] dist/cli/main.js serve ...` in `cwd`: resolves once it listens, or once it exits (within 60 s). */
async function serve(t: { after(fn: () => void): void }, cwd: string, args: string[], nodeArgs: string[] = []): Promise<Run> {
  const child = spawn(process.execPath, [...nodeArgs, join(pkg, 'dist/cli/main.js'), 'serve', '-H', '127.0.0.1', '-P', '0', ...args], {
    cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' },
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  t.after(() => {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const port = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    void exited.then(() => resolve(null));
  });
  const code = port === null ? (await exited)[0] : null;
  return {
    port, code, get stderr() { return stderr; },
    stop: async () => {
      child.kill('SIGTERM');
      clearTimeout(timer);
      return (await exited)[0];
    },
  };
}

function tsxResolvesFrom(dir: string): boolean {
  try {
    createRequire(join(dir, 'noop.js')).resolve('tsx');
    return true;
  } catch {
    return false;
  }
}

const strips = Boolean((process.features as { typescript?: string | false }).typescript);
// `--no-experimental-strip-types` exists where the flag does (22.6+); Node 20 has no stripping to turn off.
const noStrip = process.allowedNodeEnvironmentFlags.has('--experimental-strip-types') ? ['--no-experimental-strip-types'] : [];

test('with tsx in the project, a .ts app is served through it (a .js import finds its .ts file, which Node alone would not)', async (t) => {
  const dir = project(join(work, 'with-tsx'), {
    'app.ts': `export { app } from './routes.js';\n`,
    'routes.ts': APP,
  });
  assert.ok(tsxResolvesFrom(dir), 'tsx should resolve from inside the repository');
  // Node's own stripping turned off where it exists: tsx must be what loads the app.
  const s = await serve(t, dir, ['./app.ts:app'], noStrip);
  assert.notEqual(s.port, null, `exited with ${s.code}: ${s.stderr}`);
  assert.equal(await (await fetch(`http://127.0.0.1:${s.port}/`)).text(), 'typed');
  assert.equal(await s.stop(), 0);
});

test('without tsx, on a Node that strips types, a .ts app is served by Node itself', {
  skip: strips ? false : `Node ${process.versions.node} does not strip types by default (22.18+ and 23.6+ do); CI runs this on Node 24 and 26`,
}, async (t) => {
  assert.ok(!tsxResolvesFrom(outside), `tsx resolves from ${outside}: the test needs a project without it`);
  const s = await serve(t, outside, [join(outside, 'app.ts') + ':app'], ['--no-warnings']);
  assert.notEqual(s.port, null, `exited with ${s.code}: ${s.stderr}`);
  assert.equal(await (await fetch(`http://127.0.0.1:${s.port}/`)).text(), 'typed');
  assert.equal(await s.stop(), 0);
});

test('without tsx nor type stripping, aiots serve exits 1 and says what to install', async (t) => {
  assert.ok(!tsxResolvesFrom(outside), `tsx resolves from ${outside}: the test needs a project without it`);
  const s = await serve(t, outside, ['./app.ts:app'], noStrip);
  assert.equal(s.port, null);
  assert.equal(s.code, 1);
  assert.match(s.stderr, /aiots serve: cannot load .*app\.ts: TypeScript needs a loader/);
  assert.match(s.stderr, /npm i -D tsx/);
  assert.match(s.stderr, /node --experimental-strip-types/);
  assert.doesNotMatch(s.stderr, /ERR_UNKNOWN_FILE_EXTENSION|Unknown file extension/);
});

// The export surface of `aiots`, checked against what the docs promise: the
// reference table of docs/core.md (every row exported with its kind, every
// export has a row), the `aiots` row of DESIGN.md, and every
// `import { ... } from 'aiots'` in the docs, the README and the examples.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import * as aiots from '../../src/index.js';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

type Kind = 'function' | 'class' | 'error' | 'constant' | 'type';
const KINDS = new Set<string>(['function', 'class', 'error', 'constant', 'type']);

// The rows of the "Reference: everything `aiots` exports" section.
function referenceTable(): Map<string, Kind> {
  const doc = read('docs/core.md');
  const start = doc.indexOf('## Reference: everything `aiots` exports');
  assert.ok(start >= 0, 'docs/core.md has no reference section');
  const rows = new Map<string, Kind>();
  for (const m of doc.slice(start).matchAll(/^\| `([A-Za-z_$][\w$]*)` \| (\w+) \|/gm)) {
    const [, name, kind] = m as unknown as [string, string, string];
    assert.ok(KINDS.has(kind), `docs/core.md: unknown kind "${kind}" for ${name}`);
    assert.ok(!rows.has(name), `docs/core.md: ${name} has two rows`);
    rows.set(name, kind as Kind);
  }
  return rows;
}

// Type-only exports of src/index.ts (they do not exist at runtime).
function typeExports(): Set<string> {
  return new Set([...read('src/index.ts').matchAll(/\btype ([A-Za-z_$][\w$]*)/g)].map((m) => m[1] as string));
}

// Names imported from 'aiots' (not 'aiots/web' and the like) in docs and examples.
function documentedImports(): Map<string, string> {
  const files = [
    'README.md',
    ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
    ...readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.ts')).map((f) => `examples/${f}`),
  ];
  const names = new Map<string, string>();
  for (const file of files) {
    for (const m of read(file).matchAll(/import\s*\{([^}]*)\}\s*from\s*'aiots'/g)) {
      for (const part of (m[1] as string).split(',')) {
        const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim();
        if (name !== '' && name !== '...') names.set(name, file);
      }
    }
  }
  return names;
}

const exported = aiots as unknown as Record<string, unknown>;
const table = referenceTable();
const types = typeExports();

function kindOf(value: unknown): Exclude<Kind, 'type'> {
  if (typeof value !== 'function') return 'constant';
  if (value === Error || (value as { prototype?: unknown }).prototype instanceof Error) return 'error';
  return /^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
}

test('the reference table is not empty and lists the core of DESIGN.md', () => {
  assert.ok(table.size > 80, `only ${table.size} rows`);
  for (const name of ['run', 'createTask', 'TaskGroup', 'gather', 'Queue', 'EventLoop', 'CancelledError']) assert.ok(table.has(name), name);
});

for (const [name, kind] of table) {
  if (kind === 'type') continue;
  test(`aiots exports ${name} as a ${kind}`, () => {
    assert.ok(name in exported, `${name} is documented in docs/core.md but not exported`);
    assert.equal(kindOf(exported[name]), kind);
    if (kind === 'class' || kind === 'error') assert.equal((exported[name] as { name: string }).name, name);
  });
}

test('every runtime export of aiots has a row in the reference table, with its kind', () => {
  for (const name of Object.keys(exported)) {
    assert.ok(table.has(name), `${name} is exported but has no row in docs/core.md`);
    assert.equal(table.get(name), kindOf(exported[name]), `${name}: kind in docs/core.md`);
  }
});

test('the type rows of the reference table are exactly the type exports of src/index.ts', () => {
  const rows = new Set([...table].filter(([, k]) => k === 'type').map(([n]) => n));
  assert.deepEqual([...rows].sort(), [...types].sort());
});

// DESIGN.md sits beside the repository, in the shared folder: skipped in a checkout without it.
const design = new URL('../shared/DESIGN.md', root);
test('every name of the aiots row of DESIGN.md is exported', { skip: !existsSync(design) }, () => {
  const row = readFileSync(design, 'utf8').split('\n').find((l) => l.startsWith('| `aiots` |'));
  assert.ok(row !== undefined, 'DESIGN.md has no aiots row');
  const names = [...row.split('|')[3]!.matchAll(/`([^`]+)`/g)].flatMap((m) => (m[1] as string).split('/'));
  assert.ok(names.length > 20);
  for (const name of names) assert.ok(name in exported, `DESIGN.md lists ${name}, which aiots does not export`);
});

test('every name imported from aiots in the README, docs and examples exists', () => {
  const imports = documentedImports();
  assert.ok(imports.size > 10);
  for (const [name, file] of imports) {
    assert.ok(name in exported || types.has(name), `${file} imports ${name} from 'aiots', which does not export it`);
  }
});

test('every error is an AiotsError with its own name and a stable code', () => {
  for (const [name, kind] of table) {
    if (kind !== 'error') continue;
    const E = exported[name] as new (...args: unknown[]) => Error & { code: string };
    const e = name === 'IncompleteReadError' ? new E(Buffer.alloc(0), 1) : name === 'LimitOverrunError' ? new E('m', 0) : new E('m');
    assert.ok(e instanceof aiots.AiotsError, name);
    assert.equal(e.name, name);
    assert.match(e.code, /^AIOTS_ERR/);
  }
});

test('asyncio names map to the aiots names (porting spot checks)', () => {
  assert.equal(aiots.TimeoutError.name, 'TimeoutError');
  assert.equal(aiots.CancelledError.name, 'CancelledError');
  assert.equal(new aiots.CancelledError().code, 'AIOTS_ERR_CANCELLED');
  assert.equal(new aiots.TimeoutError().code, 'AIOTS_ERR_TIMEOUT');
  // Python's TimeoutError is not a cancellation.
  assert.equal(aiots.isCancellation(new aiots.TimeoutError()), false);
});

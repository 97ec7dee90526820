// The declarations of the package's entry points load Node's types by
// themselves: TypeScript 6 and 7 load no @types package that a tsconfig does
// not list in "types", and aiots's .d.ts files name Buffer, node:net, NodeJS...
// (scripts/check-pack.sh type-checks a consumer with TypeScript 7 and no "types").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | { types?: string }> };

test('every entry point\'s emitted .d.ts references @types/node', () => {
  const entries = Object.values(pkg.exports).flatMap((e) => (typeof e === 'object' && e.types !== undefined ? [e.types] : []));
  assert.ok(entries.length >= 4, `entries: ${entries.join(', ')}`);
  for (const dts of entries) {
    const src = join(root, dts.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'));
    const out = ts.transpileDeclaration(readFileSync(src, 'utf8'), { fileName: src, compilerOptions: { module: ts.ModuleKind.NodeNext } });
    assert.deepEqual(out.diagnostics ?? [], [], src);
    assert.match(out.outputText, /^\/\/\/ <reference types="node" preserve="true" \/>\n/, `${dts} (from ${src}) does not load @types/node`);
  }
});

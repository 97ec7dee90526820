/**
 * What grew between two V8 heap snapshots (`soak.ts --snapshots DIR` writes
 * `warm.heapsnapshot` and `end.heapsnapshot`): objects grouped by node type
 * and constructor name, with their count and self size in each, sorted by
 * growth in bytes.
 *
 *   node --import tsx bench/stress/heap-diff.ts DIR/warm.heapsnapshot DIR/end.heapsnapshot [--top 30]
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: readonly string[]; readonly node_types: readonly [readonly string[], ...unknown[]] } };
  readonly nodes: readonly number[];
  readonly strings: readonly string[];
}

interface Group { count: number; size: number }

function groups(file: string): Map<string, Group> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const out = new Map<string, Group>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!] ?? '?';
    // Strings and code are grouped by type alone: their names are their contents.
    const name = type === 'object' || type === 'closure' || type === 'native' ? s.strings[s.nodes[i + iName]!] ?? '?' : '';
    const key = name === '' ? `(${type})` : `${name} (${type})`;
    const g = out.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += s.nodes[i + iSize]!;
    out.set(key, g);
  }
  return out;
}

const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
if (positionals.length !== 2) throw new Error('usage: heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--top N]');
const before = groups(positionals[0]!);
const after = groups(positionals[1]!);
const zero: Group = { count: 0, size: 0 };
const rows = [...new Set([...before.keys(), ...after.keys()])].map((k) => {
  const a = before.get(k) ?? zero;
  const b = after.get(k) ?? zero;
  return { k, a, b, dSize: b.size - a.size, dCount: b.count - a.count };
}).sort((x, y) => y.dSize - x.dSize);
const total = (m: Map<string, Group>): number => [...m.values()].reduce((t, g) => t + g.size, 0);
console.log(`heap: ${(total(before) / 1e6).toFixed(2)} MB → ${(total(after) / 1e6).toFixed(2)} MB`);
console.log('| group | count before → after | self size before → after (bytes) | growth (bytes) |');
console.log('|---|---|---|---|');
for (const r of rows.slice(0, Number(opts.top))) {
  console.log(`| ${r.k} | ${r.a.count} → ${r.b.count} | ${r.a.size} → ${r.b.size} | ${r.dSize >= 0 ? '+' : ''}${r.dSize} |`);
}

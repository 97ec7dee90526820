/**
 * Where the instructions per request go: the difference of two callgrind
 * outputs (W and W+N requests, as kept by `static.ts --keep`), divided by N,
 * grouped as V8's garbage collector, the rest of V8's runtime (compiler, IC
 * misses, parser), builtins, JIT code, Node's C++, libuv, malloc and the rest;
 * with `--top K`, also the K functions that moved most.
 *
 *   cd bench && node --import tsx http/callgrind-diff.ts cg.W.out cg.WN.out N [--top 30]
 *
 * GC and compilation come in steps (one major GC more or less in a run moves
 * the total by more than a whole request's work), so compare servers on the
 * other groups, or over many requests.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '0' } } });
const [before, after, count] = positionals;
if (before === undefined || after === undefined || count === undefined) throw new TypeError('usage: callgrind-diff.ts cg.W.out cg.WN.out N [--top K]');
const n = Number(count);
if (!Number.isInteger(n) || n <= 0) throw new RangeError(`N must be a positive integer, got ${JSON.stringify(count)}`);

/** Exclusive instructions per function, as callgrind_annotate lists them. */
function perFunction(file: string): Map<string, number> {
  const out = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const m = new Map<string, number>();
  for (const line of out.split('\n')) {
    const hit = /^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*:.*)$/.exec(line);
    if (hit === null) continue;
    const name = hit[2]!.trim();
    m.set(name, (m.get(name) ?? 0) + Number(hit[1]!.replaceAll(',', '')));
  }
  return m;
}

function group(fn: string): string {
  if (/\?\?\?:0x0000/.test(fn)) return 'JIT code';
  if (fn.includes('Builtins_')) return 'V8 builtins';
  if (fn.includes('v8::') && /Scaveng|Heap|Mark|Sweep|GC|Evacuat|Slot|Migrat|ObjectCache|Compact/.test(fn)) return 'V8 GC';
  if (fn.includes('v8::')) return 'V8 runtime (compiler, ICs, parser)';
  if (fn.includes('node::')) return 'Node C++';
  if (/\buv_|\buv__/.test(fn)) return 'libuv';
  if (/malloc|free/.test(fn)) return 'malloc';
  if (/mem(cpy|move|set)/.test(fn)) return 'memcpy/memset';
  return 'other';
}

const a = perFunction(before);
const b = perFunction(after);
const diff = new Map<string, number>();
for (const fn of new Set([...a.keys(), ...b.keys()])) diff.set(fn, ((b.get(fn) ?? 0) - (a.get(fn) ?? 0)) / n);
const groups = new Map<string, number>();
for (const [fn, v] of diff) groups.set(group(fn), (groups.get(group(fn)) ?? 0) + v);
let total = 0;
console.log('| group | instructions per request |\n|---|---:|');
for (const [g, v] of [...groups].sort((x, y) => y[1] - x[1])) {
  total += v;
  console.log(`| ${g} | ${Math.round(v).toLocaleString('en-US')} |`);
}
const gcFree = total - (groups.get('V8 GC') ?? 0) - (groups.get('V8 runtime (compiler, ICs, parser)') ?? 0);
console.log(`| total | ${Math.round(total).toLocaleString('en-US')} |\n| without GC and V8 runtime | ${Math.round(gcFree).toLocaleString('en-US')} |`);
const top = Number(values.top);
if (top > 0) {
  console.log('');
  for (const [fn, v] of [...diff].sort((x, y) => Math.abs(y[1]) - Math.abs(x[1])).slice(0, top)) console.log(`${Math.round(v).toString().padStart(10)}  ${fn.slice(0, 140)}`);
}

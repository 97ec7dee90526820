// Property: the router's answer for a generated route and a generated,
// randomly percent-encoded request path equals a reference matcher written
// here plainly: split the raw path on '/', decode each segment on its own,
// and compare segment by segment. (test/web/router.property.test.ts covers
// the order between many routes; this one covers encoding and parameters.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import * as web from '../../src/web/index.js';
import type { MatchSink } from '../../src/web/router/url-dispatcher.js';
import { matchPathOf } from '../../src/web/router/path-encoding.js';
import { checkProperty } from './fuzz-runs.js';

type Piece = { lit: string } | { param: 'seg' | 'digits' | 'lower' | 'tail' };

const handler: web.Handler = async () => new web.Response();

/** Each character as itself (when a path may hold it) or percent-encoded, upper or lower hex. */
function encodeSegment(s: string, how: readonly number[]): string {
  let out = '';
  let i = 0;
  for (const ch of s) {
    const mode = how[i++ % Math.max(1, how.length)] ?? 0;
    const safe = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/.test(ch);
    if (safe && mode !== 2) {
      out += ch;
      continue;
    }
    const enc = [...Buffer.from(ch, 'utf8')].map((b) => '%' + b.toString(16).padStart(2, '0')).join('');
    out += mode === 1 ? enc.toLowerCase() : enc.toUpperCase();
  }
  return out;
}

function routePath(pieces: readonly Piece[], literalHow: readonly number[]): string {
  let n = 0;
  return '/' + pieces.map((p) => {
    if ('lit' in p) return encodeSegment(p.lit, literalHow);
    const name = `p${n++}`;
    return p.param === 'seg' ? `{${name}}` : p.param === 'digits' ? `{${name}:\\d+}` : p.param === 'lower' ? `{${name}:[a-z]+}` : `{${name}:.*}`;
  }).join('/');
}

/** The reference: null for no match, else the parameters. 'bad' when the path cannot be decoded. */
function reference(route: readonly Piece[], rawPath: string): Record<string, string> | null | 'bad' {
  // The route '/' is one empty segment, as the request '/' is.
  const pieces = route.length === 0 ? [{ lit: '' }] : route;
  const segs: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let d: string;
    try {
      d = decodeURIComponent(raw);
    } catch {
      return 'bad';
    }
    if (d.includes('\0')) return 'bad';
    segs.push(d);
  }
  const params: Record<string, string> = {};
  let n = 0;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i] as Piece;
    if ('lit' in p) {
      if (segs[i] !== p.lit) return null;
      continue;
    }
    const name = `p${n++}`;
    if (p.param === 'tail') {
      // Only generated last: takes the rest, slashes included; '.' stops at line terminators, as in any JS regex.
      const rest = segs.slice(i).join('/');
      if (i >= segs.length) return null;
      if (/[\n\r\u2028\u2029]/.test(rest)) return null;
      params[name] = rest;
      return params;
    }
    const v = segs[i];
    if (v === undefined || v === '') return null;
    if (p.param === 'seg' && /[{}]/.test(v)) return null;
    if (p.param === 'digits' && !/^\d+$/.test(v)) return null;
    if (p.param === 'lower' && !/^[a-z]+$/.test(v)) return null;
    params[name] = v;
  }
  return segs.length === pieces.length ? params : null;
}

const text = fc.string({ unit: fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcxyz019-._~'.split('')) },
  { weight: 2, arbitrary: fc.constantFrom('/', '%', '{', '}', ' ', '?', '#', '\n', 'é', '€', '😀', '+', ':', '@') },
), minLength: 1, maxLength: 5 });
const piece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 3, arbitrary: text.filter((s) => !/[{}/%]/.test(s)).map((lit) => ({ lit })) },
  { weight: 1, arbitrary: fc.constantFrom<Piece>({ param: 'seg' }, { param: 'digits' }, { param: 'lower' }) },
);
const route: fc.Arbitrary<Piece[]> = fc.tuple(fc.array(piece, { maxLength: 4 }), fc.boolean()).map(([ps, tail]): Piece[] => (tail ? [...ps, { param: 'tail' }] : ps));

function fill(p: Piece, values: readonly string[], k: number): string {
  if ('lit' in p) return p.lit;
  if (p.param === 'digits') return String(k);
  if (p.param === 'lower') return ['a', 'zz', 'abc'][k % 3] as string;
  return values[k % Math.max(1, values.length)] ?? 'v';
}

let matched = 0;

test('router matching equals a segment-by-segment reference, whatever the percent-encoding', async () => {
  await checkProperty(import.meta.filename, 'router vs reference', fc.property(
    route,
    fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 5 }),
    fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 5 }),
    fc.array(text, { minLength: 1, maxLength: 3 }),
    fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.array(text, { maxLength: 4 }) }),
    fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%C3', '%00', '%ff') }),
    (pieces, literalHow, requestHow, values, randomSegs, broken) => {
      const path = routePath(pieces, literalHow);
      const router = new web.UrlDispatcher();
      router.addGet(path, handler);
      // Most requests are built from the route (so they can match); some are random segments.
      const segs = randomSegs ?? pieces.map((p, k) => fill(p, values, k));
      let raw = '/' + segs.map((s) => encodeSegment(s, requestHow)).join('/');
      if (broken !== null) raw += broken;
      const want = reference(pieces, raw);
      const m = matchPathOf(raw);
      if (want === 'bad') {
        assert.equal(m, null, raw);
        return;
      }
      assert.ok(m !== null, raw);
      const sink: MatchSink = { params: {}, allowed: null, router };
      const found = router._resolve('GET', m, sink);
      assert.deepEqual(found === null ? null : { ...sink.params }, want, `${path} ${raw}`);
      if (want !== null) matched++;
    },
  ), 5000);
  // Not vacuous: a good share of the cases must match.
  assert.ok(matched > 0, 'some requests matched');
});

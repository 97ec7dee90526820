// Property tests: urlFor and the router agree, and lookup is the same as
// trying every resource in order (the index must not change the answer).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import * as web from '../../src/web/index.js';
import type { MatchSink } from '../../src/web/router/url-dispatcher.js';
import { matchPathOf } from '../../src/web/router/path-encoding.js';

const handler: web.Handler = async () => new web.Response();

function lookup(router: web.UrlDispatcher, method: string, path: string): string {
  const sink: MatchSink = { params: {}, allowed: null, router };
  const route = router._resolve(method, path, sink);
  if (route !== null) return `${route.resource.canonical} ${JSON.stringify(sink.params)}`;
  return sink.allowed === null ? '404' : `405 ${[...sink.allowed].sort().join(',')}`;
}

/** aiohttp's index key: the literal text before the first `{`, cut back to its last `/`, trailing slashes off. */
function keyOf(path: string): string {
  const brace = path.indexOf('{');
  const literal = brace === -1 ? path : path.slice(0, path.slice(0, brace).lastIndexOf('/'));
  return literal.replace(/\/+$/, '') || '/';
}

/**
 * The reference, aiohttp 3.10+'s resolve written plainly: walk the path back
 * one segment at a time (Python's rpartition), and at each prefix try the
 * resources keyed there in registration order.
 */
function walk(resources: readonly { path: string; methods: string[] }[], method: string, path: string): string {
  const allowed = new Set<string>();
  let part = path;
  for (;;) {
    for (const r of resources) {
      if (keyOf(r.path) !== part) continue;
      const names: string[] = [];
      const src = r.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, n: string) => {
        names.push(n);
        return '([^{}/]+)';
      });
      const m = new RegExp(`^${src}$`).exec(path);
      if (m === null) continue;
      if (r.methods.includes(method)) {
        const params: Record<string, string> = {};
        names.forEach((n, i) => (params[n] = m[i + 1]!.replace(/%2F/gi, '/').replace(/%25/g, '%')));
        return `${r.path} ${JSON.stringify(params)}`;
      }
      for (const x of r.methods) allowed.add(x);
    }
    if (part === '/') break;
    part = part.slice(0, part.lastIndexOf('/')) || '/';
  }
  return allowed.size === 0 ? '404' : `405 ${[...allowed].sort().join(',')}`;
}

const segment = fc.constantFrom('a', 'b', 'users', 'x1');
// Parameters alone in their segment take the regex-free matcher; with a
// literal after them in the same segment (`{p}.json`, `{p}-{q}`) the regex.
const pathSpec = fc.array(fc.oneof(segment, fc.constantFrom('{p}', '{q}', 'x{p}', '{p}.json', '{p}-{q}')), { minLength: 0, maxLength: 3 })
  .map((segs) => {
    let n = 0;
    return '/' + segs.map((s) => s.replace(/\{[pq]\}/g, () => `{v${n++}}`)).join('/');
  });
const methods = fc.subarray(['GET', 'POST', 'PUT'], { minLength: 1 });

test('indexed lookup equals aiohttp\'s walk: longest literal prefix first, then registration order', () => {
  fc.assert(fc.property(
    fc.array(fc.record({ path: pathSpec, methods }), { minLength: 1, maxLength: 8 }),
    fc.array(fc.oneof(segment, fc.constantFrom('zz', 'a%2Fb', '', 'xa', 'x', 'a.json', 'a-b', '{a', 'x}', 'a-b.json')), { maxLength: 4 }),
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
    fc.option(fc.tuple(fc.nat(), fc.constantFrom('a', 'x1', 'users', 'a%2Fb')), { freq: 2 }),
    (specs, reqSegs, method, fromSpec) => {
      const router = new web.UrlDispatcher();
      const registered: { path: string; methods: string[] }[] = [];
      for (const s of specs) {
        // Mirror addResource's reuse of the last resource for the same path.
        const last = registered[registered.length - 1];
        const entry = last !== undefined && last.path === s.path ? last : { path: s.path, methods: [] };
        for (const m of s.methods) {
          if (entry.methods.includes(m)) continue;
          router.addRoute(m, s.path, handler);
          entry.methods.push(m);
        }
        if (entry !== last && entry.methods.length > 0) registered.push(entry);
      }
      // Half the time, a path one of the routes matches (its parameters filled in), so overlaps get tried.
      const spec = fromSpec === null ? undefined : specs[fromSpec[0] % specs.length];
      const path = spec === undefined || fromSpec === null ? '/' + reqSegs.join('/') : spec.path.replace(/\{v\d+\}/g, fromSpec[1]);
      const matchPath = matchPathOf(path);
      assert.ok(matchPath !== null);
      assert.equal(lookup(router, method, matchPath), walk(registered, method, matchPath));
    },
  ), { numRuns: 1000 });
});

test('a plain path (no trailing slash) beats every dynamic route that also matches it, registered before or after', () => {
  fc.assert(fc.property(
    fc.array(fc.constantFrom('a', 'b', 'x1'), { minLength: 1, maxLength: 4 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('{p}', '{p:.*}', '{p:[a-z]+}', 'x{p}')), { minLength: 1, maxLength: 4 }),
    fc.nat(),
    (segs, dyns, at) => {
      const plain = '/' + segs.join('/');
      const router = new web.UrlDispatcher();
      const paths: string[] = [];
      for (const [i, p] of dyns) {
        // A dynamic route that matches `plain`: one segment (or all after it) made a parameter.
        const k = i % segs.length;
        const dyn = '/' + [...segs.slice(0, k), p === 'x{p}' ? (segs[k]!.startsWith('x') ? p : '{p}') : p, ...(p === '{p:.*}' ? [] : segs.slice(k + 1))].join('/');
        if (!paths.includes(dyn)) paths.push(dyn);
      }
      paths.splice(at % (paths.length + 1), 0, plain);
      for (const p of paths) router.addGet(p, handler);
      assert.equal(lookup(router, 'GET', plain), `${plain} {}`);
    },
  ), { numRuns: 300 });
});

test('urlFor then resolve gives back the parameters, whatever they hold', () => {
  const router = new web.UrlDispatcher();
  router.addGet('/u/{name}/x/{id:\\d+}', handler, { name: 'u' });
  router.addGet('/f/{tail:.*}', handler, { name: 'f' });
  // Literal text that must be escaped, in the route and in the prefix of the sub-app it lives in.
  const root = new web.Application();
  const sub = new web.Application();
  sub.router.addGet('/caf\u00e9 %2F x/{name}', handler, { name: 'lit' });
  root.addSubapp('/pr\u00e9 fix', sub);
  fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }), fc.nat(), fc.string({ maxLength: 20 }), (name, id, tail) => {
    fc.pre(!name.includes('\0') && !tail.includes('\0') && !/[\uD800-\uDFFF]/.test(name + tail));
    if (/[{}]/.test(name)) {
      // `{name}` matches `[^{}/]+`, as in aiohttp: urlFor refuses what the route could not match.
      assert.throws(() => router.get('u').urlFor({ name, id: String(id) }), RangeError);
      return;
    }
    const url = router.get('u').urlFor({ name, id: String(id) });
    const m = matchPathOf(url);
    assert.ok(m !== null, url);
    assert.equal(lookup(router, 'GET', m), `/u/{name}/x/{id:\\d+} ${JSON.stringify({ name, id: String(id) })}`);
    const furl = router.get('f').urlFor({ tail });
    const fm = matchPathOf(furl);
    assert.ok(fm !== null, furl);
    assert.equal(lookup(router, 'GET', fm), `/f/{tail:.*} ${JSON.stringify({ tail })}`);
    const lurl = sub.router.get('lit').urlFor({ name });
    const lm = matchPathOf(lurl);
    assert.ok(lm !== null, lurl);
    assert.equal(lookup(root.router, 'GET', lm), `/caf\u00e9 %2F x/{name} ${JSON.stringify({ name })}`);
  }), { numRuns: 300 });
});

test('matchPathOf never throws and refuses bad escapes and NUL', () => {
  fc.assert(fc.property(fc.string({ maxLength: 30 }), (s) => {
    const r = matchPathOf('/' + s);
    if (/%(?![0-9A-Fa-f]{2})/.test(s) || /%00/.test(s)) assert.equal(r, null);
  }));
});

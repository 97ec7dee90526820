// Property tests: urlFor and the router agree, and lookup is the same as
// trying every resource in order (the index must not change the answer).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import * as web from '../../src/web/index.js';
import type { MatchSink } from '../../src/web/router/url-dispatcher.js';
import { matchPathOf } from '../../src/web/server-handler.js';

const handler: web.Handler = async () => new web.Response();

function lookup(router: web.UrlDispatcher, method: string, path: string): string {
  const sink: MatchSink = { params: {}, allowed: null, router };
  const route = router._resolve(method, path, sink);
  if (route !== null) return `${route.resource.canonical} ${JSON.stringify(sink.params)}`;
  return sink.allowed === null ? '404' : `405 ${[...sink.allowed].sort().join(',')}`;
}

/** The reference: aiohttp's linear scan over resources in order. */
function linear(resources: readonly { path: string; methods: string[] }[], method: string, path: string): string {
  const allowed = new Set<string>();
  for (const r of resources) {
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

test('indexed lookup equals a linear scan in registration order', () => {
  fc.assert(fc.property(
    fc.array(fc.record({ path: pathSpec, methods }), { minLength: 1, maxLength: 8 }),
    fc.array(fc.oneof(segment, fc.constantFrom('zz', 'a%2Fb', '', 'xa', 'x', 'a.json', 'a-b', '{a', 'x}', 'a-b.json')), { maxLength: 4 }),
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
    (specs, reqSegs, method) => {
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
      const path = '/' + reqSegs.join('/');
      const matchPath = matchPathOf(path);
      assert.ok(matchPath !== null);
      assert.equal(lookup(router, method, matchPath), linear(registered, method, matchPath));
    },
  ), { numRuns: 400 });
});

test('urlFor then resolve gives back the parameters, whatever they hold', () => {
  const router = new web.UrlDispatcher();
  router.addGet('/u/{name}/x/{id:\\d+}', handler, { name: 'u' });
  router.addGet('/f/{tail:.*}', handler, { name: 'f' });
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
  }), { numRuns: 300 });
});

test('matchPathOf never throws and refuses bad escapes and NUL', () => {
  fc.assert(fc.property(fc.string({ maxLength: 30 }), (s) => {
    const r = matchPathOf('/' + s);
    if (/%(?![0-9A-Fa-f]{2})/.test(s) || /%00/.test(s)) assert.equal(r, null);
  }));
});

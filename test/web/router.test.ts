import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import type { MatchSink } from '../../src/web/router/url-dispatcher.js';
import { clientFor } from './helpers.js';

const ok = (text: string): web.Handler => async () => new web.Response({ text });

/** Resolve without a server: the route's handler name, '404', or '405 <allowed>'. */
function resolve(router: web.UrlDispatcher, method: string, path: string): { found: string; params: Record<string, string> } {
  const sink: MatchSink = { params: {}, allowed: null, router };
  const route = router._resolve(method, path, sink);
  if (route !== null) return { found: route.resource.canonical, params: { ...sink.params } };
  return { found: sink.allowed === null ? '404' : `405 ${[...sink.allowed].sort().join(',')}`, params: {} };
}

test('resource syntax: plain, {name}, {name:regex}, {tail:.*}', () => {
  const r = new web.UrlDispatcher();
  r.addGet('/', ok('index'));
  r.addGet('/hello/{name}', ok('hello'));
  r.addGet('/items/{id:\\d+}', ok('item'));
  r.addGet('/files/{tail:.*}', ok('files'));
  r.addGet('/n/{a}-{b:\\d{1,3}}', ok('pair'));
  const cases: [string, string, Record<string, string>][] = [
    ['/', '/', {}],
    ['/hello/bob', '/hello/{name}', { name: 'bob' }],
    ['/hello/bob/extra', '404', {}],
    ['/items/12', '/items/{id:\\d+}', { id: '12' }],
    ['/items/abc', '404', {}],
    ['/files/a/b/c.txt', '/files/{tail:.*}', { tail: 'a/b/c.txt' }],
    ['/n/x-123', '/n/{a}-{b:\\d{1,3}}', { a: 'x', b: '123' }],
    ['/n/x-1234', '404', {}],
  ];
  for (const [path, found, params] of cases) assert.deepEqual(resolve(r, 'GET', path), { found, params }, path);
});

test('404 for no path, 405 with the allowed methods; HEAD with addGet unless allowHead is false', () => {
  const r = new web.UrlDispatcher();
  r.addGet('/a', ok('a'));
  r.addPost('/a', ok('a'));
  r.addGet('/b', ok('b'), { allowHead: false });
  r.addRoute('*', '/any', ok('any'));
  assert.equal(resolve(r, 'HEAD', '/a').found, '/a');
  assert.equal(resolve(r, 'DELETE', '/a').found, '405 GET,HEAD,POST');
  assert.equal(resolve(r, 'HEAD', '/b').found, '405 GET');
  assert.equal(resolve(r, 'PATCH', '/any').found, '/any');
  assert.equal(resolve(r, 'GET', '/c').found, '404');
});

test('the longest literal prefix wins; registration order decides only under the same prefix', () => {
  const r = new web.UrlDispatcher();
  r.addGet('/{x}/a', ok('dyn-first'));
  r.addGet('/p/a', ok('plain-second'));
  r.addGet('/p/{y}', ok('dyn-third'));
  r.addGet('/q/b', ok('plain-q'));
  r.addGet('/p/{z:.*}', ok('dyn-fourth'));
  assert.equal(resolve(r, 'GET', '/p/a').found, '/p/a');
  assert.equal(resolve(r, 'GET', '/r/a').found, '/{x}/a');
  assert.equal(resolve(r, 'GET', '/p/z').found, '/p/{y}');
  assert.equal(resolve(r, 'GET', '/p/z/w').found, '/p/{z:.*}');
  assert.equal(resolve(r, 'GET', '/q/b').found, '/q/b');
  // A path matched by a resource without this method keeps looking, and 405 only if none has it.
  const r2 = new web.UrlDispatcher();
  r2.addPost('/u/{id}', ok('post'));
  r2.addGet('/u/{name}', ok('get'));
  assert.equal(resolve(r2, 'GET', '/u/1').found, '/u/{name}');
  assert.equal(resolve(r2, 'PUT', '/u/1').found, '405 GET,HEAD,POST');
});

test('names and urlFor build escaped URLs', () => {
  const r = new web.UrlDispatcher();
  r.addGet('/hello/{name}', ok('h'), { name: 'hello' });
  r.addGet('/files/{tail:.*}', ok('f'), { name: 'files' });
  r.addGet('/static', ok('s'), { name: 'static' });
  assert.equal(r.get('hello').urlFor({ name: 'a b/c?' }), '/hello/a%20b%2Fc%3F');
  assert.equal(r.get('files').urlFor({ tail: 'x y/z' }), '/files/x%20y/z');
  assert.equal(r.get('static').urlFor(undefined, { query: { q: '1 2' } }), '/static?q=1+2');
  assert.throws(() => r.get('nope'), /no resource named "nope"/);
  assert.throws(() => r.get('hello').urlFor({}), /parameter name of \/hello\/\{name\} must be a string, got undefined/);
  assert.throws(() => r.addGet('/x', ok('x'), { name: 'hello' }), /duplicate resource name/);
  // A value the route could never match back is refused rather than built into a dead link.
  r.addGet('/items/{id:\\d+}', ok('i'), { name: 'item' });
  assert.equal(r.get('item').urlFor({ id: '42' }), '/items/42');
  assert.throws(() => r.get('item').urlFor({ id: 'abc' }), /parameter id of \/items\/\{id:\\d\+\} is "abc", which the route does not match/);
  assert.throws(() => r.get('hello').urlFor({ name: '' }), RangeError);
  assert.throws(() => r.get('hello').urlFor({ name: '{x}' }), RangeError);
});

test('bad patterns, and regexes V8\'s linear-time engine cannot run, are refused at registration', () => {
  const r = new web.UrlDispatcher();
  const bad: [string, RegExp][] = [
    // The audit's: V8's linear engine replicates bounded repeats, up to 16.
    ['/r/{code:(?:\\w|\\d){1,32}}', /parameter code in "\/r\/\{code:.*" cannot run on V8's linear-time engine.*repetition bound .* above 16/],
    ['/f/{a}-{b}-{c}-{h:[0-9a-f]{32}}', /parameter h .*linear-time engine.*split it/],
    ['/a/{x:(?:[0-9]{8}){4}}', /bounds multiply past 16/],
    ['/a/{x:(a)\\1}', /backreference/],
    ['/a/{x:(?<n>a)\\k<n>}', /backreference/],
    ['/a/{x:(?=a)\\w+}', /lookahead/],
    ['/a/{x:(?!a)\\w+}', /lookahead/],
    ['/a/{x:[}', /bad regex|unbalanced/],
    ['/a/{1x}', /must be an identifier/],
    ['/a/{x}/{x}', /appears twice/],
    ['/a/{x', /unbalanced/],
    ['/a/x}', /unbalanced/],
    ['relative', /must be a string starting with/],
  ];
  for (const [path, re] of bad) assert.throws(() => r.addGet(path, ok('x')), re, path);
  r.addGet('/ok/{x:(ab)+}', ok('fine'));
  r.addGet('/ok2/{x:(?:a|b)?c+}', ok('fine'));
  assert.throws(() => r.addGet('/ok2/{x:(?:a|b)?c+}', ok('again')), /already registered/);
  r.addGet('/ok3/{x:(?<inner>a|b)+}', ok('named groups are not lookbehinds'));
  // What aiohttp accepts and the linear engine runs (issue 10): repeated groups, nested repetition.
  r.addGet('/ids/{user_ids:([0-9]+)(,([0-9]+))*}', ok('ids'));
  r.addGet('/n/{x:(a+)+}', ok('nested'));
  r.addGet('/h/{h:[0-9a-f]{16}[0-9a-f]{16}}', ok('split bound'));
  // Lookbehinds run on the linear engine from Node 24's V8, not on Node 20's.
  try {
    r.addGet('/lb/{x:\\w+(?<!a)}', ok('lookbehind'));
  } catch (e) {
    assert.match((e as Error).message, /lookbehind assertion/);
  }
  assert.throws(() => r.addRoute('GE T', '/m', ok('m')), /method must be an HTTP method/);
});

test('RouteTableDef, web.get(), views and sub-applications over HTTP', async (t) => {
  const routes = new web.RouteTableDef();
  const wrapped = routes.get('/r')(async () => new web.Response({ text: 'table' }));
  assert.equal(typeof wrapped, 'function');
  routes.view('/v')(class extends web.View {
    async get() {
      return new web.Response({ text: `view ${this.request.method}` });
    }

    async post() {
      return new web.Response({ text: 'posted' });
    }
  });
  const admin = new web.Application();
  admin.router.addGet('/users/{id}', async (r) => new web.Response({ text: `admin ${r.matchInfo.id} ${r.app === admin}` }), { name: 'user' });
  const app = new web.Application();
  app.router.addRoutes(routes);
  app.router.addRoutes([web.get('/g', ok('g')), web.post('/p', ok('p')), web.delete('/d', ok('d'))]);
  app.addSubapp('/admin/', admin);
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/r')).text(), 'table');
  assert.equal(await (await client.get('/v')).text(), 'view GET');
  assert.equal(await (await client.post('/v')).text(), 'posted');
  const put = await client.put('/v');
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'GET,POST');
  assert.equal(await (await client.get('/g')).text(), 'g');
  assert.equal(await (await client.delete('/d')).text(), 'd');
  assert.equal(await (await client.get('/admin/users/7')).text(), 'admin 7 true');
  assert.equal((await client.get('/admin/nothing')).status, 404);
  assert.equal((await client.get('/admin')).status, 404);
  assert.equal(admin.router.get('user').urlFor({ id: '7' }), '/admin/users/7');
  assert.throws(() => app.router.addGet('/late', ok('late')), /frozen router/);
});

test('the path is percent-decoded for matching, but %2F stays one segment', async (t) => {
  const app = new web.Application();
  app.router.addGet('/caf\u00e9', ok('cafe'));
  app.router.addGet('/seg/{one}', async (r) => new web.Response({ text: r.matchInfo.one }));
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/caf%C3%A9')).text(), 'cafe');
  assert.equal(await (await client.get('/seg/a%2Fb')).text(), 'a/b');
  assert.equal(await (await client.get('/seg/100%25')).text(), '100%');
  assert.equal((await client.get('/seg/a/b')).status, 404);
});

test('over HTTP: 405 carries Allow, HEAD follows allowHead, \'*\' takes any method, addView dispatches', async (t) => {
  const app = new web.Application();
  app.router.addGet('/a', ok('a'));
  app.router.addPost('/a', ok('a-post'));
  app.router.addGet('/no-head', ok('nh'), { allowHead: false });
  app.router.addRoute('*', '/any', async (r) => new web.Response({ text: `any ${r.method}` }));
  app.router.addView('/v', class extends web.View {
    async delete() {
      return new web.Response({ text: 'deleted' });
    }
  });
  const client = await clientFor(t, app);
  const put = await client.put('/a');
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'GET,HEAD,POST');
  assert.equal(await put.text(), '405: Method Not Allowed');
  const head = await client.head('/no-head');
  assert.equal(head.status, 405);
  assert.equal(head.headers.get('allow'), 'GET');
  assert.equal((await client.head('/a')).status, 200);
  for (const method of ['GET', 'PATCH', 'OPTIONS', 'PROPFIND']) {
    const res = await client.request(method, '/any');
    assert.equal(res.status, 200, method);
    assert.equal(await res.text(), `any ${method}`);
  }
  assert.equal(await (await client.delete('/v')).text(), 'deleted');
  const get = await client.get('/v');
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'DELETE');
  assert.equal((await client.get('/nothing')).status, 404);
});

test('a View class works wherever a handler goes (addRoute, addGet, web.get, routes.post, resource.addRoute), as in aiohttp', async (t) => {
  class Item extends web.View {
    async get() {
      return new web.Response({ text: `item ${this.request.matchInfo.id ?? ''} ${this.request.method}` });
    }

    async post() {
      return new web.Response({ text: 'item posted' });
    }
  }
  const routes = new web.RouteTableDef();
  routes.post('/table')(Item);
  const app = new web.Application();
  app.router.addRoute('*', '/any/{id}', Item);
  app.router.addRoute('GET', '/get-only', Item);
  app.router.addGet('/add-get/{id}', Item);
  app.router.addResource('/resource').addRoute('POST', Item);
  app.router.addRoutes([web.get('/web-get', Item), web.route('PUT', '/web-put', Item)]);
  app.router.addRoutes(routes);
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/any/7')).text(), 'item 7 GET');
  assert.equal(await (await client.post('/any/7')).text(), 'item posted');
  const del = await client.delete('/any/7');
  assert.equal(del.status, 405);
  assert.equal(del.headers.get('allow'), 'GET,POST');
  assert.equal(await (await client.get('/get-only')).text(), 'item  GET');
  assert.equal(await (await client.get('/add-get/3')).text(), 'item 3 GET');
  // HEAD is routed to the view, which has no head(): 405, as aiohttp's View.
  assert.equal((await client.head('/add-get/3')).status, 405);
  assert.equal(await (await client.post('/resource')).text(), 'item posted');
  assert.equal(await (await client.get('/web-get')).text(), 'item  GET');
  // Routed as PUT, but the view has no put(): 405 naming what it has.
  const put = await client.put('/web-put');
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'GET,POST');
  assert.equal(await (await client.post('/table')).text(), 'item posted');
});

test('a handler that is neither a function nor a View class is refused at registration, leaving no resource behind', () => {
  const r = new web.UrlDispatcher();
  class NotAView {
    get(): web.Response {
      return new web.Response({ text: 'never' });
    }
  }
  const bad: [unknown, RegExp][] = [
    [42, /handler must be a function or a View class, got number 42/],
    [null, /handler must be a function or a View class, got null/],
    [{ get: ok('x') }, /handler must be a function or a View class, got object/],
    [NotAView, /got class NotAView, which does not extend View/],
  ];
  for (const [h, re] of bad) {
    assert.throws(() => r.addRoute('GET', '/x', h as web.Handler), re);
    assert.throws(() => r.addGet('/x', h as web.Handler), re);
    assert.throws(() => r.addPost('/x', h as web.Handler), re);
    assert.throws(() => web.get('/x', h as web.Handler), re);
    assert.throws(() => web.post('/x', h as web.Handler), re);
    assert.throws(() => new web.RouteTableDef().get('/x')(h as web.Handler), re);
    assert.throws(() => r.addResource('/y').addRoute('GET', h as web.Handler), re);
  }
  assert.throws(() => r.addRoute('GET', '/x', 42 as never), /^TypeError: addRoute\(\): GET \/x: handler/);
  assert.throws(() => web.get('/x', 42 as never), /^TypeError: web\.get\(\): \/x: handler/);
  // Only the '/y' resources made by resource.addRoute() exist; the refused addRoute/addGet left none.
  assert.deepEqual([...r.resources()].map((res) => res.canonical).filter((c) => c === '/x'), []);
});

test('issue 10: a fixed path registered after a dynamic route that matches it wins (aiohttp 3.10+)', async (t) => {
  const app = new web.Application();
  app.router.addGet('/second/{user}/info', async (r) => new web.Response({ text: `dynamic ${r.matchInfo.user}` }));
  app.router.addGet('/second/bob/info', ok('fixed bob'));
  app.router.addGet('/forth/{name:\\d+}', async (r) => new web.Response({ text: `dynamic ${r.matchInfo.name}` }));
  app.router.addGet('/forth/42', ok('fixed 42'));
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/second/bob/info')).text(), 'fixed bob');
  assert.equal(await (await client.get('/second/ann/info')).text(), 'dynamic ann');
  assert.equal(await (await client.get('/forth/42')).text(), 'fixed 42');
  assert.equal(await (await client.get('/forth/7')).text(), 'dynamic 7');
});

test('issue 10: sub-applications take part in the same walk, longest prefix first', async (t) => {
  const app = new web.Application();
  for (const prefix of ['/s', '/ss', '/s/s']) {
    const sub = new web.Application();
    sub.router.addGet('/c', ok(`${prefix} c`));
    app.addSubapp(prefix, sub);
  }
  // A route of the parent under a longer prefix than a sub-app's wins too, whatever the order.
  app.router.addGet('/s/x/y', ok('parent s/x/y'));
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/s/s/c')).text(), '/s/s c');
  assert.equal(await (await client.get('/ss/c')).text(), '/ss c');
  assert.equal(await (await client.get('/s/c')).text(), '/s c');
  assert.equal(await (await client.get('/s/x/y')).text(), 'parent s/x/y');
  // Once the walk reaches a sub-app's prefix, its answer is final.
  assert.equal((await client.get('/s/x/z')).status, 404);
});

test('issue 10: the empty path is "/" in the root app and the prefix itself in a sub-app', async (t) => {
  const app = new web.Application();
  app.router.addGet('', ok('root empty'), { name: 'root' });
  const sub = new web.Application();
  sub.router.addGet('', ok('sub empty'), { name: 'subEmpty' });
  sub.router.addGet('/', ok('sub slash'), { name: 'subSlash' });
  app.addSubapp('/s', sub);
  const nested = new web.Application();
  nested.router.addGet('', ok('nested empty'));
  sub.addSubapp('/n', nested);
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/')).text(), 'root empty');
  assert.equal(await (await client.get('/s')).text(), 'sub empty');
  assert.equal(await (await client.get('/s/')).text(), 'sub slash');
  assert.equal(await (await client.get('/s/n')).text(), 'nested empty');
  assert.equal((await client.get('/s/n/')).status, 404);
  assert.equal(app.router.get('root').urlFor(), '/');
  assert.equal(sub.router.get('subEmpty').urlFor(), '/s');
  assert.equal(sub.router.get('subSlash').urlFor(), '/s/');
});

test('issue 10: urlFor of a route in a sub-application includes the prefixes, as soon as it is mounted', () => {
  const leaf = new web.Application();
  leaf.router.addGet('/item/{id}', ok('item'), { name: 'item' });
  leaf.router.addGet('/plain', ok('plain'), { name: 'plain' });
  const mid = new web.Application();
  mid.addSubapp('/leaf', leaf);
  assert.equal(leaf.router.get('item').urlFor({ id: '1' }), '/leaf/item/1');
  const root = new web.Application();
  root.addSubapp('/mid/', mid);
  assert.equal(leaf.router.get('item').urlFor({ id: '1' }), '/mid/leaf/item/1');
  assert.equal(leaf.router.get('plain').urlFor(undefined, { query: { a: 'b' } }), '/mid/leaf/plain?a=b');
  // Routes added to a mounted sub-application get the prefix too.
  leaf.router.addGet('/late', ok('late'), { name: 'late' });
  assert.equal(leaf.router.get('late').urlFor(), '/mid/leaf/late');
  // A prefix with a space or non-ASCII is escaped in the URL, and routes back.
  const other = new web.Application();
  other.router.addGet('/x', ok('x'), { name: 'x' });
  root.addSubapp('/caf\u00e9 bar', other);
  assert.equal(other.router.get('x').urlFor(), '/caf%C3%A9%20bar/x');
  const sink: MatchSink = { params: {}, allowed: null, router: root.router };
  assert.equal(root.router._resolve('GET', '/caf\u00e9 bar/x', sink)?.resource.canonical, '/x');
});

test('issue 10: percent-escapes in a route\'s literal text, and urlFor quoting compared with aiohttp', () => {
  const r = new web.UrlDispatcher();
  r.addGet('/a%2Fb', ok('p'), { name: 'plainSlash' });
  r.addGet('/d%2Fe/{x}', ok('d'), { name: 'dynSlash' });
  r.addGet('/caf%C3%A9/{x}', ok('c'), { name: 'escaped' });
  r.addGet('/\u043f\u0440\u0435 \u0444/{arg}', ok('u'), { name: 'unicode' });
  r.addGet('/100%', ok('pct'), { name: 'percent' });
  // %2F in the literal is an escaped slash, as aiohttp's path_safe keeps it: one segment.
  assert.equal(resolve(r, 'GET', '/a%2Fb').found, '/a%2Fb');
  assert.equal(resolve(r, 'GET', '/a/b').found, '404');
  assert.deepEqual(resolve(r, 'GET', '/d%2Fe/1'), { found: '/d%2Fe/{x}', params: { x: '1' } });
  assert.equal(resolve(r, 'GET', '/d/e/1').found, '404');
  // Other escapes stand for their character (aiohttp leaves these unreachable: its issue 13433).
  assert.deepEqual(resolve(r, 'GET', '/caf\u00e9/1'), { found: '/caf%C3%A9/{x}', params: { x: '1' } });
  assert.deepEqual(resolve(r, 'GET', '/\u043f\u0440\u0435 \u0444/1'), { found: '/\u043f\u0440\u0435 \u0444/{arg}', params: { arg: '1' } });
  assert.equal(resolve(r, 'GET', '/100%25').found, '/100%');
  assert.equal(r.get('plainSlash').urlFor(), '/a%2Fb');
  assert.equal(r.get('dynSlash').urlFor({ x: '1' }), '/d%2Fe/1');
  assert.equal(r.get('escaped').urlFor({ x: '1' }), '/caf%C3%A9/1');
  assert.equal(r.get('percent').urlFor(), '/100%25');
  // aiohttp's own test_route_dynamic_quoting, but for the value's '/': escaped here so the URL routes back.
  assert.equal(r.get('unicode').urlFor({ arg: '1 2/\u0442\u0435\u043a\u0441\u0442%2F' }), '/%D0%BF%D1%80%D0%B5%20%D1%84/1%202%2F%D1%82%D0%B5%D0%BA%D1%81%D1%82%252F');
  // yarl leaves sub-delimiters, ':' and '@' alone in a path, so does urlFor.
  assert.equal(r.get('dynSlash').urlFor({ x: 'a@b:c+d&e=f;g,h$i!j\'k(l)m*n~o' }), '/d%2Fe/a@b:c+d&e=f;g,h$i!j\'k(l)m*n~o');
  assert.equal(r.get('dynSlash').urlFor({ x: 'q?r#s[t]' }), '/d%2Fe/q%3Fr%23s%5Bt%5D');
  assert.throws(() => r.addGet('/bad%FF', ok('bad')), /bad percent-encoding/);
});

test('issue 10: route names must be identifiers joined by ".", ":" or "-", as in aiohttp', () => {
  const r = new web.UrlDispatcher();
  for (const name of ['invalid name', '', 'a..b', 'a.', '1a', 'a/b', 'a b.c']) {
    assert.throws(() => r.addGet(`/n${r.resources().length}`, ok('n'), { name }), /must be identifiers separated by/, name);
  }
  for (const name of ['index', 'user.detail', 'api:v1-users', '_private', 'caf\u00e9', 'class']) r.addGet(`/ok/${name}`, ok('ok'), { name });
  assert.equal(r.get('api:v1-users').canonical, '/ok/api:v1-users');
});

test('issue 10: a method added after "*" on the same path is refused, as in aiohttp', () => {
  const r = new web.UrlDispatcher();
  r.addRoute('*', '/any', ok('any'));
  assert.throws(() => r.addGet('/any', ok('get')), /will never be executed, method \* is already registered/);
  assert.throws(() => r.addRoute('*', '/any', ok('again')), /method \* is already registered/);
  // The other way round is allowed: '*' then answers the methods not registered.
  r.addPost('/both', ok('post'));
  r.addRoute('*', '/both', ok('any'));
  assert.equal(resolve(r, 'POST', '/both').found, '/both');
  assert.equal(r.addView('/view', class extends web.View {}).method, '*');
  assert.throws(() => r.addPost('/view', ok('post')), /will never be executed/);
});

test('issue 10: under the same prefix, a sub-application and the parent\'s routes go by registration order', () => {
  const resolveIn = (app: web.Application, path: string): string => {
    const sink: MatchSink = { params: {}, allowed: null, router: app.router };
    const route = app.router._resolve('GET', path, sink);
    return route === null ? (sink.allowed === null ? '404' : '405') : `${route.resource.canonical} in ${sink.router === app.router ? 'parent' : 'sub'}`;
  };
  const parentFirst = new web.Application();
  parentFirst.router.addGet('/admin', ok('parent'));
  parentFirst.router.addGet('/admin/{x:.*}', ok('parent tail'));
  const sub1 = new web.Application();
  sub1.router.addGet('', ok('sub'));
  sub1.router.addGet('/x', ok('sub x'));
  parentFirst.addSubapp('/admin', sub1);
  assert.equal(resolveIn(parentFirst, '/admin'), '/admin in parent');
  assert.equal(resolveIn(parentFirst, '/admin/x'), '/admin/{x:.*} in parent');
  const subFirst = new web.Application();
  const sub2 = new web.Application();
  sub2.router.addPost('/y', ok('sub y'));
  subFirst.addSubapp('/admin', sub2);
  subFirst.router.addGet('/admin', ok('parent'));
  subFirst.router.addGet('/admin/y', ok('parent y'));
  // The parent's /admin sits under the same key as the sub-app, after it: the sub-app's 404 is final.
  assert.equal(resolveIn(subFirst, '/admin'), '404');
  // The parent's /admin/y has the longer literal prefix: it is tried before the walk reaches /admin.
  assert.equal(resolveIn(subFirst, '/admin/y'), '/admin/y in parent');
});

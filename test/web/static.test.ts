// app.router.addStatic: serving a folder, folder listings, urlFor with
// appendVersion, symlinks, and how it shares the router's prefix walk.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import type { MatchSink } from '../../src/web/router/url-dispatcher.js';
import { fetchRaw, scratch, serve } from './file-helpers.js';

function site(dir: string): void {
  writeFileSync(join(dir, 'a.txt'), 'A');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'b.css'), 'B');
  writeFileSync(join(dir, 'sp ace.txt'), 'S');
}

test('files and subfolders under the prefix; HEAD; other methods 405; a missing file 404', async (t) => {
  const dir = scratch(t);
  site(dir);
  const app = new web.Application();
  app.router.addStatic('/static/', dir);
  const server = await serve(t, app);
  const a = await fetchRaw(server.port, '/static/a.txt');
  assert.equal(a.status, 200);
  assert.equal(a.body.toString(), 'A');
  assert.equal(a.headers['content-type'], 'text/plain');
  const b = await fetchRaw(server.port, '/static/sub/b.css');
  assert.equal(b.body.toString(), 'B');
  assert.equal(b.headers['content-type'], 'text/css');
  assert.equal((await fetchRaw(server.port, '/static/sp%20ace.txt')).body.toString(), 'S');
  const head = await fetchRaw(server.port, '/static/a.txt', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '1');
  const post = await fetchRaw(server.port, '/static/a.txt', {}, 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET,HEAD');
  const missing = await fetchRaw(server.port, '/static/nope.txt');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.toString(), '404: Not Found');
  assert.equal((await fetchRaw(server.port, '/static/a.txt/x')).status, 404);
  assert.equal((await fetchRaw(server.port, '/staticx/a.txt')).status, 404);
  // Conditional requests and ranges come with FileResponse.
  assert.equal((await fetchRaw(server.port, '/static/a.txt', { 'if-none-match': String(a.headers.etag) })).status, 304);
});

test('a folder is 403 without showIndex, an escaped listing with it', async (t) => {
  const dir = scratch(t);
  site(dir);
  writeFileSync(join(dir, 'sub', `<b>&"it's".txt`), 'x');
  const app = new web.Application();
  app.router.addStatic('/s', dir);
  const listed = new web.Application();
  listed.router.addStatic('/s', dir, { showIndex: true });
  const server = await serve(t, app);
  const listing = await serve(t, listed);
  assert.equal((await fetchRaw(server.port, '/s/sub')).status, 403);
  assert.equal((await fetchRaw(server.port, '/s/')).status, 403);
  assert.equal((await fetchRaw(server.port, '/s')).status, 403);
  const root = await fetchRaw(listing.port, '/s/');
  assert.equal(root.status, 200);
  assert.equal(root.headers['content-type'], 'text/html; charset=utf-8');
  const html = root.body.toString();
  assert.match(html, /<title>Index of \/<\/title>/);
  assert.match(html, /<li><a href="\/s\/a.txt">a.txt<\/a><\/li>/);
  assert.match(html, /<li><a href="\/s\/sp%20ace.txt">sp ace.txt<\/a><\/li>/);
  assert.match(html, /<li><a href="\/s\/sub">sub\/<\/a><\/li>/);
  const sub = (await fetchRaw(listing.port, '/s/sub')).body.toString();
  assert.match(sub, /<h1>Index of \/sub<\/h1>/);
  assert.match(sub, /<a href="\/s\/sub\/%3Cb%3E&amp;%22it&#39;s%22.txt">&lt;b&gt;&amp;&quot;it&#39;s&quot;.txt<\/a>/);
  assert.doesNotMatch(sub, /<b>/);
});

test('routes under the prefix win over the folder (longest prefix first), and the root prefix works', async (t) => {
  const dir = scratch(t);
  site(dir);
  const app = new web.Application();
  app.router.addStatic('/static', dir);
  app.router.addGet('/static/special', () => new web.Response({ text: 'route' }));
  app.router.addGet('/static/api/{x}', () => new web.Response({ text: 'dynamic' }));
  const server = await serve(t, app);
  assert.equal((await fetchRaw(server.port, '/static/special')).body.toString(), 'route');
  assert.equal((await fetchRaw(server.port, '/static/api/1')).body.toString(), 'dynamic');
  assert.equal((await fetchRaw(server.port, '/static/a.txt')).body.toString(), 'A');
  const root = new web.Application();
  root.router.addGet('/hello', () => new web.Response({ text: 'hello' }));
  root.router.addStatic('/', dir);
  const s2 = await serve(t, root);
  assert.equal((await fetchRaw(s2.port, '/a.txt')).body.toString(), 'A');
  assert.equal((await fetchRaw(s2.port, '/sub/b.css')).body.toString(), 'B');
  assert.equal((await fetchRaw(s2.port, '/hello')).body.toString(), 'hello');
});

test('the router resolves a static prefix in its walk: filename in matchInfo, %2F and %25 decoded', () => {
  const dir = '.';
  const r = new web.UrlDispatcher();
  r.addStatic('/st', dir);
  const sink: MatchSink = { params: {}, allowed: null, router: r };
  const find = (method: string, path: string): string => {
    const route = r._resolve(method, path, sink);
    return route === null ? (sink.allowed === null ? '404' : '405') : `${route.resource.canonical} ${JSON.stringify(sink.params)}`;
  };
  assert.equal(find('GET', '/st/a/b.txt'), '/st {"filename":"a/b.txt"}');
  assert.equal(find('GET', '/st'), '/st {"filename":""}');
  assert.equal(find('GET', '/st/'), '/st {"filename":""}');
  assert.equal(find('GET', '/st/x%2Fy%25z'), '/st {"filename":"x/y%z"}');
  assert.equal(find('GET', '/stx/a'), '404');
  assert.equal(find('DELETE', '/st/a'), '405');
});

test('a static folder in a sub-application: served and named under its prefix', async (t) => {
  const dir = scratch(t);
  site(dir);
  const sub = new web.Application();
  sub.router.addStatic('/files', dir, { name: 'files' });
  const app = new web.Application();
  app.addSubapp('/admin', sub);
  const server = await serve(t, app);
  assert.equal((await fetchRaw(server.port, '/admin/files/a.txt')).body.toString(), 'A');
  assert.equal(sub.router.get('files').urlFor({ filename: 'a.txt' }), '/admin/files/a.txt');
});

function versionOf(content: string): string {
  return createHash('sha256').update(content).digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

test('urlFor({ filename }): escaped, and with ?v=<content hash> under appendVersion', (t) => {
  const dir = scratch(t);
  site(dir);
  const app = new web.Application();
  const plain = app.router.addStatic('/static', dir, { name: 'static' });
  const versioned = app.router.addStatic('/v', dir, { appendVersion: true });
  assert.equal(app.router.get('static'), plain);
  assert.equal(plain.urlFor({ filename: 'a.txt' }), '/static/a.txt');
  assert.equal(plain.urlFor({ filename: '/sub/b.css' }), '/static/sub/b.css');
  assert.equal(plain.urlFor({ filename: 'sp ace.txt' }), '/static/sp%20ace.txt');
  assert.equal(plain.urlFor({ filename: 'a.txt' }, { appendVersion: true }), `/static/a.txt?v=${encodeURIComponent(versionOf('A'))}`);
  assert.equal(versioned.urlFor({ filename: 'sub/b.css' }), `/v/sub/b.css?v=${encodeURIComponent(versionOf('B'))}`);
  assert.equal(versioned.urlFor({ filename: 'a.txt' }, { appendVersion: false }), '/v/a.txt');
  assert.equal(versioned.urlFor({ filename: 'a.txt' }, { query: { x: '1' } }), `/v/a.txt?x=1&v=${encodeURIComponent(versionOf('A'))}`);
  // No version for what is not a file inside the folder.
  assert.equal(versioned.urlFor({ filename: 'nope.txt' }), '/v/nope.txt');
  assert.equal(versioned.urlFor({ filename: 'sub' }), '/v/sub');
  assert.equal(versioned.urlFor({ filename: '../../etc/passwd' }), '/v/../../etc/passwd');
  assert.throws(() => plain.urlFor({}), /takes \{ filename \}/);
  assert.throws(() => plain.urlFor({ filename: 'a', x: 'b' }), /only filename/);
  assert.throws(() => plain.urlFor({ filename: 'a' }, { append_version: true } as never), /append_version/);
});

test('addStatic() checks its arguments when called', (t) => {
  const dir = scratch(t);
  site(dir);
  const r = new web.UrlDispatcher();
  assert.throws(() => r.addStatic('/s', join(dir, 'missing')), /no folder at/);
  assert.throws(() => r.addStatic('/s', join(dir, 'a.txt')), /is not a folder/);
  assert.throws(() => r.addStatic('s', dir), /prefix must be a string starting with "\/"/);
  assert.throws(() => r.addStatic('/s', dir, { show_index: true } as never), /show_index/);
  assert.throws(() => r.addStatic('/s', dir, { showIndex: 'yes' } as never), /showIndex must be a boolean/);
  assert.throws(() => r.addStatic('/s', dir, { chunkSize: -1 }), /chunkSize must be a positive integer/);
  r.addStatic('/s', dir, { name: 'st' });
  assert.throws(() => r.addStatic('/t', dir, { name: 'st' }), /duplicate resource name/);
  // A route added after a static folder of the same prefix is a new resource.
  r.addGet('/s', () => new web.Response());
  assert.equal(r.resources().length, 2);
});

test('symlinks: one inside the folder is served; one leaving it only with followSymlinks', async (t) => {
  const outside = scratch(t);
  writeFileSync(join(outside, 'secret.txt'), 'SECRET');
  const dir = scratch(t);
  site(dir);
  symlinkSync(join(dir, 'a.txt'), join(dir, 'inner-link.txt'));
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'out-link.txt'));
  symlinkSync(outside, join(dir, 'out-dir'));
  symlinkSync(join(dir, 'loop1'), join(dir, 'loop2'));
  symlinkSync(join(dir, 'loop2'), join(dir, 'loop1'));
  const strict = new web.Application();
  strict.router.addStatic('/s', dir);
  const lax = new web.Application();
  lax.router.addStatic('/s', dir, { followSymlinks: true });
  const s1 = await serve(t, strict);
  const s2 = await serve(t, lax);
  assert.equal((await fetchRaw(s1.port, '/s/inner-link.txt')).body.toString(), 'A');
  for (const path of ['/s/out-link.txt', '/s/out-dir/secret.txt', '/s/loop1']) {
    const r = await fetchRaw(s1.port, path);
    assert.equal(r.status, 404, path);
    assert.doesNotMatch(r.body.toString(), /SECRET/);
  }
  assert.equal((await fetchRaw(s2.port, '/s/out-link.txt')).body.toString(), 'SECRET');
  assert.equal((await fetchRaw(s2.port, '/s/out-dir/secret.txt')).body.toString(), 'SECRET');
  assert.equal((await fetchRaw(s2.port, '/s/loop1')).status, 404);
  // followSymlinks follows links; it does not let `..` out.
  assert.equal((await fetchRaw(s2.port, '/s/sub/%2e%2e/%2e%2e/x')).status, 404);
});

test('pre-compressed siblings and chunkSize through a static route', async (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'app.js'), 'plain');
  writeFileSync(join(dir, 'app.js.gz'), 'gz');
  const big = Buffer.alloc(100_000, 'q');
  writeFileSync(join(dir, 'big.txt'), big);
  const app = new web.Application();
  app.router.addStatic('/s', dir, { chunkSize: 1000 });
  const server = await serve(t, app);
  const r = await fetchRaw(server.port, '/s/app.js', { 'accept-encoding': 'gzip' });
  assert.equal(r.body.toString(), 'gz');
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.ok((await fetchRaw(server.port, '/s/big.txt')).body.equals(big));
});

test('web.static() and routes.static(), as aiohttp\'s route definitions', async (t) => {
  const dir = scratch(t);
  site(dir);
  const app = new web.Application();
  const routes = new web.RouteTableDef();
  routes.static('/r', dir, { name: 'r' });
  app.router.addRoutes(routes);
  app.router.addRoutes([web.static('/w', dir, { showIndex: true })]);
  assert.throws(() => web.static('/x', dir, { follow_symlinks: true } as never), /follow_symlinks/);
  const server = await serve(t, app);
  assert.equal((await fetchRaw(server.port, '/r/a.txt')).body.toString(), 'A');
  assert.equal((await fetchRaw(server.port, '/w/sub/b.css')).body.toString(), 'B');
  assert.equal((await fetchRaw(server.port, '/w/')).status, 200);
  assert.equal(app.router.get('r').urlFor({ filename: 'a.txt' }), '/r/a.txt');
});

// Every options object of `aiots/web` and `aiots/test` refuses a name it does
// not know, naming it and, for a snake_case / aiohttp one, the aiots name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestClient, TestServer } from '../../src/testing/index.js';
import {
  Application, AppRunner, HTTPFound, HTTPMethodNotAllowed, HTTPNotFound, HTTPRequestEntityTooLarge, jsonResponse, normalizePathMiddleware, Response,
  RouteTableDef, runApp, StreamResponse, TCPSite, UnixSite, type Request,
} from '../../src/web/index.js';
import { serveApp } from '../../src/web/run-app.js';
import { refusesOption } from '../helpers/refuses-option.js';
import { clientFor } from './helpers.js';

const cases: [string, () => unknown, RegExp][] = [
  ['Application', () => new Application({ client_max_size: 1 } as never), /^Application\(\): unknown option "client_max_size"; did you mean "clientMaxSize"\?$/],
  ['Application (aiohttp name)', () => new Application({ handler_args: {} } as never), /did you mean "handlerArgs"\?$/],
  ['Application handlerArgs', () => new Application({ handlerArgs: { keepalive_timeout: 5 } } as never), /^Application\(\): handlerArgs: unknown option "keepalive_timeout"; did you mean "keepaliveTimeout"\?$/],
  ['Application.makeHandler', () => new Application().makeHandler({ access_log: null } as never), /^Application\.makeHandler\(\): unknown option "access_log"; did you mean "accessLog"\?$/],
  ['Response', () => new Response({ text: 'x', content_type: 'text/html' } as never), /^Response\(\): unknown option "content_type"; did you mean "contentType"\?$/],
  ['Response (jsonResponse-only name)', () => new Response({ text: 'x', dumps: JSON.stringify } as never), /^Response\(\): unknown option "dumps"; known options: body, charset, contentType, headers, reason, status, text$/],
  ['StreamResponse', () => new StreamResponse({ text: 'x' } as never), /^StreamResponse\(\): unknown option "text"; known options: headers, reason, status$/],
  ['jsonResponse', () => jsonResponse({}, { content_type: 'application/x' } as never), /^jsonResponse\(\): unknown option "content_type"; did you mean "contentType"\?$/],
  ['jsonResponse (text)', () => jsonResponse({}, { text: '{}' } as never), /^jsonResponse\(\): unknown option "text"/],
  ['HTTPNotFound', () => new HTTPNotFound({ body: 'gone' } as never), /^HTTPNotFound\(\): unknown option "body"; did you mean "text"\?$/],
  ['HTTPFound', () => new HTTPFound('/x', { content_type: 'text/html' } as never), /^HTTPFound\(\): unknown option "content_type"; did you mean "contentType"\?$/],
  ['HTTPMethodNotAllowed', () => new HTTPMethodNotAllowed('PUT', ['GET'], { reson: 'no' } as never), /^HTTPMethodNotAllowed\(\): unknown option "reson"; did you mean "reason"\?$/],
  ['HTTPRequestEntityTooLarge', () => new HTTPRequestEntityTooLarge(1, 2, { header: {} } as never), /did you mean "headers"\?$/],
  ['normalizePathMiddleware', () => normalizePathMiddleware({ append_slash: true } as never), /^normalizePathMiddleware\(\): unknown option "append_slash"; did you mean "appendSlash"\?$/],
  ['StreamResponse.setCookie', () => new Response().setCookie('a', 'b', { max_age: 1 } as never), /^setCookie\(\): unknown option "max_age"; did you mean "maxAge"\?$/],
  ['StreamResponse.setCookie (aiohttp httponly)', () => new Response().setCookie('a', 'b', { httponly: true } as never), /did you mean "httpOnly"\?$/],
  ['StreamResponse.delCookie', () => new Response().delCookie('a', { secure: true } as never), /^delCookie\(\): unknown option "secure"; known options: domain, path$/],
  ['TestServer', () => new TestServer(new Application(), { shutdown_timeout: 1 } as never), /^TestServer\(\): unknown option "shutdown_timeout"; did you mean "shutdownTimeout"\?$/],
  ['TestServer (aiohttp name)', () => new TestServer(new Application(), { max_line_size: 1 } as never), /did you mean "maxHeaderSize"\?$/],
  ['TestClient', () => new TestClient(new TestServer(new Application()), { raise_for_status: true } as never), /^TestClient\(\): unknown option "raise_for_status"; did you mean "raiseForStatus"\?$/],
  ['TestClient (baseUrl is the server\'s)', () => new TestClient(new TestServer(new Application()), { baseUrl: 'http://x/' } as never), /^TestClient\(\): unknown option "baseUrl"/],
];

describe('unknown options in aiots/web and aiots/test', () => {
  for (const [name, fn, expected] of cases) {
    it(`${name} refuses an unknown option`, () => refusesOption(fn, expected));
  }

  it('known names still pass: jsonResponse keeps status, reason and headers', () => {
    const r = jsonResponse({ a: 1 }, { status: 201, reason: 'Made', headers: { 'X-A': '1' }, dumps: (d) => JSON.stringify(d), contentType: 'application/x+json' });
    assert.equal(r.status, 201);
    assert.equal(r.reason, 'Made');
    assert.equal(r.headers.get('x-a'), '1');
    assert.match(r.contentType ?? '', /^application\/x\+json/);
    assert.equal(r.text, '{"a":1}');
    new Response({ text: 'x', contentType: 'text/html', charset: 'utf-8' });
    new TestServer(new Application(), { host: '127.0.0.1', port: 0, shutdownTimeout: 1 });
  });

  it('request.clone() and request.json() refuse unknown options', async (t) => {
    const app = new Application();
    const tryIt = (fn: () => unknown): string => {
      try {
        fn();
        return 'accepted';
      } catch (e) {
        return e instanceof TypeError ? e.message : `not a TypeError: ${String(e)}`;
      }
    };
    app.router.addPost('/', async (request: Request) => {
      const clone = tryIt(() => request.clone({ rel_url: '/x' } as never));
      let json: string;
      try {
        await request.json({ object_hook: null } as never);
        json = 'accepted';
      } catch (e) {
        json = e instanceof TypeError ? e.message : `not a TypeError: ${String(e)}`;
      }
      return jsonResponse({ clone, json });
    });
    const client = await clientFor(t, app);
    const resp = await client.post('/', { json: {} });
    assert.deepEqual(await resp.json(), {
      clone: 'Request.clone(): unknown option "rel_url"; did you mean "relUrl"?',
      json: 'Request.json(): unknown option "object_hook"; known options: loads',
    });
  });

  it('TCPSite(…, { ssl_context }) is refused, not served as plain HTTP', async () => {
    const runner = new AppRunner(new Application());
    await runner.setup();
    try {
      await refusesOption(() => new TCPSite(runner, '127.0.0.1', 0, { ssl_context: {} } as never), /^TCPSite\(\): unknown option "ssl_context"; did you mean "ssl"\?$/);
    } finally {
      await runner.cleanup();
    }
  });

  it('AppRunner, UnixSite and the router refuse unknown options', async () => {
    const app = new Application();
    await refusesOption(() => new AppRunner(app, { shutdown_timeout: 1 } as never), /^AppRunner\(\): unknown option "shutdown_timeout"; did you mean "shutdownTimeout"\?$/);
    const runner = new AppRunner(app);
    await refusesOption(() => new UnixSite(runner, '/tmp/x.sock', { reuse_port: true } as never), /^UnixSite\(\): unknown option "reuse_port"/);
    await refusesOption(() => app.router.addGet('/', async () => new Response(), { allow_head: false } as never), /^addGet\(\): unknown option "allow_head"; did you mean "allowHead"\?$/);
    await refusesOption(() => app.router.addPost('/', async () => new Response(), { nam: 'x' } as never), /^addPost\(\): unknown option "nam"; did you mean "name"\?$/);
    await refusesOption(() => new RouteTableDef().get('/', { allow_head: false } as never), /did you mean "allowHead"\?$/);
    await refusesOption(() => app.router.addResource('/r', { nme: 'r' } as never), /^addResource\(\): unknown option "nme"; did you mean "name"\?$/);
    const named = app.router.addGet('/u/{id}', async () => new Response(), { name: 'u' });
    await refusesOption(() => named.resource.urlFor({ id: '1' }, { qeury: { a: '1' } } as never), /^urlFor\(\): unknown option "qeury"; did you mean "query"\?$/);
    // A route definition keeps its name when added; allowHead is not passed on as a resource option.
    const defs = new RouteTableDef();
    defs.get('/d', { name: 'd', allowHead: false })(async () => new Response());
    app.router.addRoutes(defs);
    assert.equal(app.router.get('d').canonical, '/d');
  });

  it('runApp refuses an unknown option at the call, before anything starts', async () => {
    await refusesOption(() => runApp(new Application(), { ssl_context: {}, port: 0 } as never), /^runApp\(\): unknown option "ssl_context"; did you mean "ssl"\?$/);
    await refusesOption(() => serveApp(new Application(), { shutdown_timeout: 1 } as never), /^runApp\(\): unknown option "shutdown_timeout"; did you mean "shutdownTimeout"\?$/);
  });
});

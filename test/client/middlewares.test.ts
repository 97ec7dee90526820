// Client middlewares as aiohttp 3.12's: onion order, per-request middlewares
// replacing the session's, requests changed and retried, one run per redirect
// hop, and the bad input they refuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import {
  ClientPayloadError, ClientRequest, ClientResponse, ClientResponseError, type ClientHandler, type ClientMiddleware,
} from '../../src/client/index.js';
import { serve, session } from './helpers.js';

interface Seen { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }

async function echo(t: Parameters<typeof serve>[0], status: (n: number, url: string) => number = () => 200) {
  const seen: Seen[] = [];
  const srv = await serve(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/target' }).end();
        return;
      }
      res.writeHead(status(seen.length, req.url ?? ''), { 'content-type': 'text/plain' }).end(`#${seen.length} ${req.method} ${req.url}`);
    });
  });
  return { ...srv, seen };
}

test('middlewares run in onion order, the first outermost', async (t) => {
  const srv = await echo(t);
  const log: string[] = [];
  const mw = (name: string): ClientMiddleware => async (request, handler) => {
    log.push(`${name}>`);
    const resp = await handler(request);
    log.push(`<${name} ${resp.status}`);
    return resp;
  };
  const s = session(t, { middlewares: [mw('a'), mw('b'), { handle: mw('c') as (r: ClientRequest, h: ClientHandler) => Promise<ClientResponse> }] });
  const resp = await s.get(`${srv.url}/x`);
  assert.equal(await resp.text(), '#1 GET /x');
  assert.deepEqual(log, ['a>', 'b>', 'c>', '<c 200', '<b 200', '<a 200']);
});

test('per-request middlewares replace the session\'s; [] runs none', async (t) => {
  const srv = await echo(t);
  const log: string[] = [];
  const tag = (name: string): ClientMiddleware => (request, handler) => {
    log.push(name);
    request.headers.set('x-mw', name);
    return handler(request);
  };
  const s = session(t, { middlewares: [tag('session')] });
  await (await s.get(srv.url)).text();
  await (await s.get(srv.url, { middlewares: [tag('request')] })).text();
  await (await s.get(srv.url, { middlewares: [] })).text();
  assert.deepEqual(log, ['session', 'request']);
  assert.deepEqual(srv.seen.map((x) => x.headers['x-mw']), ['session', 'request', undefined]);
});

test('a middleware sees the headers that will be sent and may change method, URL, headers and body', async (t) => {
  const srv = await echo(t);
  let seenByMw: Record<string, string> = {};
  const s = session(t, {
    headers: { 'x-session': '1' },
    middlewares: [async (request, handler) => {
      seenByMw = Object.fromEntries(request.headers);
      assert.equal(request.session, s);
      assert.equal(inspect(request), `<ClientRequest(POST ${srv.url}/orig?q=1)>`);
      assert.equal(request.body, '{"a":1}');
      request.method = 'PUT';
      request.url = new URL(`${srv.url}/changed`);
      request.headers.delete('x-session');
      request.headers.set('X-Added', 'yes');
      request.body = 'plain text';
      return handler(request);
    }],
  });
  const resp = await s.post(`${srv.url}/orig`, { params: { q: 1 }, json: { a: 1 }, cookies: { c: '1' } });
  assert.equal(await resp.text(), '#1 PUT /changed');
  assert.equal(resp.url.href, `${srv.url}/changed`);
  assert.equal(resp.requestInfo.headers['x-added'], 'yes');
  assert.equal(seenByMw['x-session'], '1');
  assert.equal(seenByMw['content-type'], 'application/json');
  assert.equal(seenByMw.cookie, 'c=1');
  const got = srv.seen[0] as Seen;
  assert.equal(got.headers['x-session'], undefined);
  assert.equal(got.headers['x-added'], 'yes');
  assert.equal(got.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(got.body, 'plain text');
});

test('a middleware may retry: the handler sends again; raiseForStatus applies to what the middleware returns', async (t) => {
  const srv = await echo(t, (n) => (n < 3 ? 503 : 200));
  const statuses: number[] = [];
  const retry: ClientMiddleware = async (request, handler) => {
    for (;;) {
      const resp = await handler(request);
      statuses.push(resp.status);
      if (resp.status !== 503) return resp;
      resp.release();
    }
  };
  const s = session(t, { middlewares: [retry], raiseForStatus: true });
  const resp = await s.post(`${srv.url}/r`, { data: 'body' });
  assert.equal(resp.status, 200);
  assert.deepEqual(statuses, [503, 503, 200]);
  assert.deepEqual(srv.seen.map((x) => x.body), ['body', 'body', 'body']);
  // Without the retry, raiseForStatus sees the 503.
  const srv2 = await echo(t, () => 503);
  await assert.rejects(s.get(srv2.url, { middlewares: [] }), (e) => e instanceof ClientResponseError && e.status === 503);
});

test('middlewares run for each redirect hop, and the redirect follows what was sent', async (t) => {
  const srv = await echo(t);
  const urls: string[] = [];
  const s = session(t, {
    middlewares: [(request, handler) => {
      urls.push(request.url.pathname);
      if (request.url.pathname === '/start') request.url = new URL(`${srv.url}/redirect`);
      return handler(request);
    }],
  });
  const resp = await s.get(`${srv.url}/start`);
  assert.equal(await resp.text(), '#2 GET /target');
  assert.deepEqual(urls, ['/start', '/target']);
  assert.equal(resp.history.length, 1);
  assert.equal(resp.history[0]?.url.pathname, '/redirect');
});

test('a request made inside a middleware with middlewares: [] does not recurse (token refresh)', async (t) => {
  const srv = await echo(t, (_n, url) => (url === '/token' ? 200 : 200));
  let calls = 0;
  const s = session(t, {
    middlewares: [async (request, handler) => {
      calls++;
      const tok = await request.session.post(`${srv.url}/token`, { middlewares: [] });
      request.headers.set('authorization', `Bearer ${(await tok.text()).length}`);
      return handler(request);
    }],
  });
  await (await s.get(`${srv.url}/api`)).text();
  assert.equal(calls, 1);
  assert.deepEqual(srv.seen.map((x) => x.url), ['/token', '/api']);
  assert.match(String(srv.seen[1]?.headers.authorization), /^Bearer \d+$/);
});

test('bad middlewares: not a response, a bad request to the handler, a streamed body sent twice, bad options', async (t) => {
  const srv = await echo(t);
  const s = session(t);
  const cases: [ClientMiddleware, RegExp][] = [
    [async () => 'hello' as never, /^TypeError: client middleware #0: returned string "hello", not a ClientResponse/],
    [async () => undefined as never, /returned undefined, not a ClientResponse/],
    [async (_r, handler) => handler({ url: new URL(srv.url) } as never), /the handler must be called with the ClientRequest/],
    [async (r, handler) => {
      r.url = new URL('ftp://127.0.0.1/');
      return handler(r);
    }, /scheme ftp: is not supported/],
    [async (r, handler) => {
      r.method = 'BAD METHOD';
      return handler(r);
    }, /method must be an HTTP token/],
  ];
  for (const [mw, re] of cases) await assert.rejects(s.get(srv.url, { middlewares: [mw] }), re);
  async function* stream() {
    yield 'streamed';
  }
  const twice: ClientMiddleware = async (request, handler) => {
    (await handler(request)).release();
    return handler(request);
  };
  await assert.rejects(s.post(srv.url, { data: stream(), middlewares: [twice] }), (e) => e instanceof ClientPayloadError && /cannot be sent twice/.test(e.message));
  assert.throws(() => session(t, { middlewares: 'x' as never }), /^TypeError: ClientSession\(\): middlewares must be an array/);
  assert.throws(() => session(t, { middlewares: [42] as never }), /each middleware must be a function \(request, handler\) => response or an object with a handle method, got number 42/);
  await assert.rejects(s.get(srv.url, { middlewares: [null] as never }), /each middleware must be a function/);
  assert.equal(srv.seen.length, 1, 'only the streamed POST reached the server');
  // The session still works.
  assert.equal((await s.get(srv.url)).status, 200);
});

test('a middleware that throws fails the request with its error; the session goes on', async (t) => {
  const srv = await echo(t);
  const boom = new Error('boom');
  const s = session(t, { middlewares: [() => Promise.reject(boom)] });
  await assert.rejects(s.get(srv.url), (e) => e === boom);
  assert.ok((await s.get(srv.url, { middlewares: [] })) instanceof ClientResponse);
});

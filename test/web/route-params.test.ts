// Compile-time checks of route parameter typing, checked by `tsc --noEmit`
// (the runtime part only resolves a few routes). A line marked with the TS
// expect-error directive fails the typecheck if it stops being an error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import type { MatchSink } from '../../src/web/router/url-dispatcher.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<T extends true>(_: T): void {}

const text = (s: string): web.Response => new web.Response({ text: s });

function typeChecks(): void {
  expectType<Equal<web.RouteParams<'/hello/{name}'>, { readonly name: string }>>(true);
  expectType<Equal<web.RouteParams<'/files/{tail:.*}'>, { readonly tail: string }>>(true);
  expectType<Equal<web.RouteParams<'/'>, Record<never, never>>>(true);
  expectType<Equal<web.RouteParams<''>, Record<never, never>>>(true);
  // A regex may hold braces of its own, escaped ones included.
  expectType<Equal<web.RouteParams<'/n/{a}-{b:\\d{1,3}}/{c:(?:x{2}){1,3}}/end'>, { readonly a: string; readonly b: string; readonly c: string }>>(true);
  expectType<Equal<web.RouteParams<'/e/{x:\\{[a-z]+\\}}/{y}'>, { readonly x: string; readonly y: string }>>(true);
  expectType<Equal<web.RouteParams<'/{y}/{m:\\d+}.{ext}'>, { readonly y: string; readonly m: string; readonly ext: string }>>(true);
  // A path that is not a literal gives any name.
  const somePath: string = '/x';
  expectType<Equal<web.RouteParams<typeof somePath>, web.MatchInfo>>(true);

  const app = new web.Application();
  const r = app.router;
  r.addGet('/hello/{name}', (req) => {
    expectType<Equal<typeof req.matchInfo, { readonly name: string }>>(true);
    // @ts-expect-error only the path's parameters are there
    void req.matchInfo.other;
    return text(req.matchInfo.name);
  });
  r.addGet('/files/{tail:.*}', (req) => text(req.matchInfo.tail));
  r.addRoute('GET', '/items/{id:\\d+}', (req) => text(req.matchInfo.id));
  r.addPost('/u/{user}/p/{post}', async (req) => text(req.matchInfo.user + req.matchInfo.post));
  r.addPut('/u/{user}', (req) => text(req.matchInfo.user));
  r.addPatch('/u/{user}', (req) => text(req.matchInfo.user));
  r.addDelete('/u/{user}', (req) => text(req.matchInfo.user));
  r.addHead('/h/{h}', (req) => text(req.matchInfo.h));
  r.addGet('/plain', (req) => {
    // @ts-expect-error a plain path has no parameters
    void req.matchInfo.name;
    return text('plain');
  });
  // @ts-expect-error the path has no {id}
  r.addGet('/hello/{name}', (req: web.Request<{ readonly id: string }>) => text(req.matchInfo.id));

  // A handler declared apart, as aiohttp code does, still fits any route.
  async function hello(request: web.Request): Promise<web.Response> {
    return text(request.matchInfo.name ?? '');
  }
  const asHandler: web.Handler = hello;
  r.addGet('/apart/{name}', hello);
  r.addRoute('GET', '/apart2/{name}', asHandler);
  r.addPost('/apart3', hello);
  // So does one declared with its own matchInfo type.
  const typed = (req: web.Request<{ readonly name: string }>): web.Response => text(req.matchInfo.name);
  r.addGet('/typed/{name}', typed);
  r.addGet('/typed2/{name:[a-z]+}', typed);

  // Route definitions.
  const routes = new web.RouteTableDef();
  const wrapped = routes.get('/r/{name}')(async (req) => text(req.matchInfo.name));
  expectType<Equal<Parameters<typeof wrapped>[0], web.Request<{ readonly name: string }>>>(true);
  void wrapped;
  routes.post('/r/{a}/{b}')((req) => text(req.matchInfo.a + req.matchInfo.b));
  routes.route('PUT', '/r/{id}')((req) => text(req.matchInfo.id));
  routes.put('/r/{id}')((req) => text(req.matchInfo.id));
  routes.patch('/r/{id}')((req) => text(req.matchInfo.id));
  routes.delete('/r/{id}')((req) => text(req.matchInfo.id));
  routes.head('/r/{id}')((req) => text(req.matchInfo.id));
  routes.get('/r2/{name}')(hello);
  // @ts-expect-error the path has no {id}
  routes.get('/r3/{name}')((req) => text(req.matchInfo.id));
  r.addRoutes([
    web.get('/w/{name}', (req) => text(req.matchInfo.name)),
    web.post('/w/{name}', (req) => text(req.matchInfo.name)),
    web.put('/w/{name}', (req) => text(req.matchInfo.name)),
    web.patch('/w/{name}', (req) => text(req.matchInfo.name)),
    web.delete('/w/{name}', (req) => text(req.matchInfo.name)),
    web.head('/w/{name}', (req) => text(req.matchInfo.name)),
    web.route('OPTIONS', '/w/{name}', (req) => text(req.matchInfo.name)),
    web.get('/w2/{name}', hello),
    // @ts-expect-error the path has no {id}
    web.get('/w3/{name}', (req) => text(req.matchInfo.id)),
  ]);
  // A path built at run time types matchInfo as any name, possibly absent.
  r.addGet(somePath, (req) => {
    expectType<Equal<typeof req.matchInfo, web.MatchInfo>>(true);
    return text(req.matchInfo.x ?? '');
  });
}

test('route parameter types compile (see tsc --noEmit), and the handlers get those parameters', async () => {
  assert.equal(typeof typeChecks, 'function');
  const r = new web.UrlDispatcher();
  let seen: unknown;
  r.addGet('/n/{a}-{b:\\d{1,3}}', (req) => {
    seen = req.matchInfo;
    return text(req.matchInfo.a + req.matchInfo.b);
  });
  const sink: MatchSink = { params: {}, allowed: null, router: r };
  const route = r._resolve('GET', '/n/x-12', sink);
  assert.ok(route !== null);
  await route.handler({ matchInfo: sink.params } as web.Request);
  assert.deepEqual(seen, { a: 'x', b: '12' });
});

// aiohttp's examples/fake_server.py: a fake graph.facebook.com served over
// HTTPS on 127.0.0.1, and a client sent to it by a fake resolver, so that
// code calling a real HTTPS API can be tested without the network.
//   node --import tsx examples/fake_server.ts
// fake_server.crt/.key beside this file are a self-signed certificate for
// graph.facebook.com (valid 2000–2100), as aiohttp ships server.crt/.key.
import { readFileSync } from 'node:fs';
import { run } from 'aiots';
import { AbstractResolver, ClientSession, TCPConnector, ThreadedResolver, type AddressFamily, type ResolveResult } from 'aiots/client';
import * as web from 'aiots/web';

/** Sends the faked host names to 127.0.0.1 and the fake's port, the others to the OS (aiohttp's FakeResolver). */
class FakeResolver extends AbstractResolver {
  readonly #fakes: ReadonlyMap<string, number>;
  readonly #real = new ThreadedResolver();

  constructor(fakes: ReadonlyMap<string, number>) {
    super();
    this.#fakes = fakes;
  }

  async resolve(host: string, port = 0, family: AddressFamily = 0): Promise<ResolveResult[]> {
    const fakePort = this.#fakes.get(host);
    if (fakePort === undefined) return this.#real.resolve(host, port, family);
    return [{ hostname: host, host: '127.0.0.1', port: fakePort, family: 4, proto: 0, flags: 0 }];
  }
}

class FakeFacebook {
  readonly app = new web.Application();
  readonly cert = readFileSync(new URL('fake_server.crt', import.meta.url));
  readonly #key = readFileSync(new URL('fake_server.key', import.meta.url));
  readonly #runner: web.AppRunner;

  constructor() {
    this.app.router.addRoutes([
      web.get('/v2.7/me', (request) => this.onMe(request)),
      web.get('/v2.7/me/friends', (request) => this.onMyFriends(request)),
    ]);
    this.#runner = new web.AppRunner(this.app, { accessLog: null });
  }

  /** Serve on a free port of 127.0.0.1; returns the faked host names and their port. */
  async start(): Promise<Map<string, number>> {
    await this.#runner.setup();
    const site = new web.TCPSite(this.#runner, '127.0.0.1', 0, { ssl: { cert: this.cert, key: this.#key } });
    await site.start();
    return new Map([['graph.facebook.com', site.port]]);
  }

  async stop(): Promise<void> {
    await this.#runner.cleanup();
  }

  async onMe(_request: web.Request): Promise<web.Response> {
    return web.jsonResponse({ name: 'John Doe', id: '12345678901234567' });
  }

  async onMyFriends(_request: web.Request): Promise<web.Response> {
    return web.jsonResponse({
      data: [
        { name: 'Bill Doe', id: '233242342342' },
        { name: 'Mary Doe', id: '2342342343222' },
        { name: 'Alex Smith', id: '234234234344' },
      ],
      paging: {
        cursors: { before: 'QVFIUjRtc2c5NEl0ajN', after: 'QVFIUlpFQWM0TmVuaDRad0dt' },
        next: 'https://graph.facebook.com/v2.7/12345678901234567/friends?access_token=EAACEdEose0cB',
      },
      summary: { total_count: 3 },
    });
  }
}

await run(async () => {
  const token = 'ER34gsSGGS34XCBKd7u';

  const fakeFacebook = new FakeFacebook();
  const info = await fakeFacebook.start();
  // As aiohttp's: the resolver gives the fake's address and port, so the URLs
  // are the real ones. The certificate is checked for graph.facebook.com
  // against the fake's own (where aiohttp turned checks off).
  const connector = new TCPConnector({ resolver: new FakeResolver(info), ssl: { ca: fakeFacebook.cert } });
  try {
    await using session = new ClientSession({ connector });
    const me = await session.get('https://graph.facebook.com/v2.7/me', { params: { access_token: token } });
    console.log(JSON.stringify(await me.json()));
    const friends = await session.get('https://graph.facebook.com/v2.7/me/friends', { params: { access_token: token } });
    console.log(JSON.stringify(await friends.json()));
  } finally {
    await fakeFacebook.stop();
  }
});

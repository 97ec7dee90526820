// TCPConnector's name resolution: a custom resolver (aiohttp's
// AbstractResolver) that sends a fake name to 127.0.0.1 and a port of its
// choosing, the DNS cache, the built-in resolvers (AsyncResolver against a
// DNS server written here), failures as ClientConnectorDNSError, and a
// request cancelled while its name is being resolved.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, test, type TestContext } from 'node:test';
import { CancelledError, createTask, sleep } from '../../src/index.js';
import {
  AbstractResolver, AsyncResolver, ClientConnectorDNSError, TCPConnector, ThreadedResolver, type AddressFamily, type ResolveResult,
} from '../../src/client/index.js';
import { serve, session } from './helpers.js';

/** Sends every name in `fakes` to 127.0.0.1 on the given port; counts its calls. */
class FakeResolver extends AbstractResolver {
  readonly calls: [string, number | undefined, AddressFamily | undefined][] = [];
  readonly #fakes: ReadonlyMap<string, number>;
  constructor(fakes: ReadonlyMap<string, number>) {
    super();
    this.#fakes = fakes;
  }

  async resolve(host: string, port?: number, family?: AddressFamily): Promise<ResolveResult[]> {
    this.calls.push([host, port, family]);
    const fake = this.#fakes.get(host);
    if (fake === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return [{ hostname: host, host: '127.0.0.1', port: fake, family: 4, proto: 0, flags: 0 }];
  }
}

async function echoHost(t: TestContext): Promise<number> {
  const { url } = await serve(t, (req, res) => res.end(`${req.headers.host ?? ''} ${req.url ?? ''}`));
  return Number(new URL(url).port);
}

describe('a custom resolver', () => {
  test('sends a fake name to 127.0.0.1 on the port it names; the Host header keeps the name', async (t) => {
    const port = await echoHost(t);
    const resolver = new FakeResolver(new Map([['api.fake.test', port]]));
    const s = session(t, { connector: new TCPConnector({ resolver }) });
    assert.equal(s.connector.resolver, resolver);
    assert.equal(await (await s.get('http://api.fake.test/v1?x=1')).text(), 'api.fake.test /v1?x=1');
    assert.deepEqual(resolver.calls, [['api.fake.test', 80, 0]]);
  });

  test('answers are cached for ttlDnsCache seconds; useDnsCache: false asks every time; clearDnsCache() forgets', async (t) => {
    const port = await echoHost(t);
    const fakes = new Map([['a.fake.test', port]]);
    const cached = new FakeResolver(fakes);
    const s1 = session(t, { connector: new TCPConnector({ resolver: cached, forceClose: true }) });
    for (let i = 0; i < 3; i++) await (await s1.get('http://a.fake.test/')).text();
    assert.equal(cached.calls.length, 1);
    s1.connector.clearDnsCache('a.fake.test');
    await (await s1.get('http://a.fake.test/')).text();
    assert.equal(cached.calls.length, 2);
    for (const opts of [{ useDnsCache: false }, { ttlDnsCache: 0 }]) {
      const uncached = new FakeResolver(fakes);
      const s2 = session(t, { connector: new TCPConnector({ resolver: uncached, forceClose: true, ...opts }) });
      for (let i = 0; i < 3; i++) await (await s2.get('http://a.fake.test/')).text();
      assert.equal(uncached.calls.length, 3, JSON.stringify(opts));
    }
  });

  test('concurrent connections to one name share one resolution', async (t) => {
    const port = await echoHost(t);
    const resolver = new FakeResolver(new Map([['b.fake.test', port]]));
    const s = session(t, { connector: new TCPConnector({ resolver, useDnsCache: false }) });
    const texts = await Promise.all(Array.from({ length: 5 }, async () => (await s.get('http://b.fake.test/')).text()));
    assert.equal(texts.length, 5);
    assert.equal(resolver.calls.length, 1);
  });

  test('family is passed to the resolver; an IP literal is not resolved', async (t) => {
    const port = await echoHost(t);
    const resolver = new FakeResolver(new Map([['c.fake.test', port]]));
    const s = session(t, { connector: new TCPConnector({ resolver, family: 4, localAddr: ['127.0.0.1', 0] }) });
    await (await s.get('http://c.fake.test/')).text();
    await (await s.get(`http://127.0.0.1:${port}/`)).text();
    assert.deepEqual(resolver.calls, [['c.fake.test', 80, 4]]);
  });

  test('a request cancelled while its name resolves fails with CancelledError at once and never reaches the server', async (t) => {
    let requests = 0;
    const { url } = await serve(t, (_req, res) => {
      requests++;
      res.end('ok');
    });
    const port = Number(new URL(url).port);
    let asked!: () => void;
    const wasAsked = new Promise<void>((resolve) => asked = resolve);
    let answer!: () => void;
    const blocked = new Promise<void>((resolve) => answer = resolve);
    class SlowResolver extends AbstractResolver {
      async resolve(host: string): Promise<ResolveResult[]> {
        asked();
        await blocked;
        return [{ hostname: host, host: '127.0.0.1', port, family: 4, proto: 0, flags: 0 }];
      }
    }
    const s = session(t, { connector: new TCPConnector({ resolver: new SlowResolver() }) });
    let cleaned = false;
    const task = createTask(async () => {
      try {
        return await s.get('http://slow.fake.test/');
      } finally {
        cleaned = true;
      }
    });
    await wasAsked;
    task.cancel();
    await assert.rejects(task, CancelledError);
    assert.equal(cleaned, true);
    answer();
    await sleep(0.05);
    assert.equal(requests, 0);
    // The session still works once the name is known.
    assert.equal(await (await s.get('http://slow.fake.test/')).text(), 'ok');
  });
});

describe('resolver failures are ClientConnectorDNSError', () => {
  const cases: [string, (host: string) => Promise<unknown>, RegExp][] = [
    ['throws', async (host) => { throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' }); }, /the resolver failed: no such host/],
    ['returns nothing', async () => [], /returned no address \(an empty list\)/],
    ['returns null', async () => null, /returned no address \(object\)/],
    ['returns a name, not an IP', async (host) => [{ hostname: host, host: 'elsewhere.test', port: 80, family: 4, proto: 0, flags: 0 }], /without an IP/],
    ['returns a bad port', async (host) => [{ hostname: host, host: '127.0.0.1', port: 70000, family: 4, proto: 0, flags: 0 }], /0\.\.65535/],
  ];
  for (const [name, resolve, message] of cases) {
    test(`a resolver that ${name}`, async (t) => {
      const resolver = { resolve, close: async () => {} } as unknown as AbstractResolver;
      const s = session(t, { connector: new TCPConnector({ resolver }) });
      const err = await s.get('http://broken.fake.test:8080/').then(() => null, (e: unknown) => e);
      assert.ok(err instanceof ClientConnectorDNSError, String(err));
      assert.equal(err.host, 'broken.fake.test');
      assert.equal(err.port, 8080);
      assert.match(err.message, message);
    });
  }

  test('bad connector options are refused', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ resolver: {} }, /resolver must have a resolve/],
      [{ family: 5 }, /family must be 0, 4 or 6/],
      [{ localAddr: 'not an ip' }, /localAddr must be/],
      [{ localAddr: ['127.0.0.1', 70000] }, /localAddr must be/],
      [{ ttlDnsCache: -1 }, /ttlDnsCache/],
      [{ useDnsCache: 'yes' }, /useDnsCache/],
      [{ happyEyeballsDelay: -1 }, /happyEyeballsDelay/],
      [{ sslShutdownTimeout: 'x' }, /sslShutdownTimeout/],
      [{ allowH2: 1 }, /allowH2/],
    ];
    for (const [opts, message] of bad) assert.throws(() => new TCPConnector(opts), message, JSON.stringify(opts));
  });
});

/** A DNS server on 127.0.0.1 (UDP) answering A queries for `names` with 127.0.0.1, nothing else. */
async function dnsServer(t: TestContext, names: ReadonlySet<string>): Promise<{ port: number; queries: string[] }> {
  const queries: string[] = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const labels: string[] = [];
    let i = 12;
    while (i < msg.length && msg[i] !== 0) {
      const len = msg[i] as number;
      labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'));
      i += len + 1;
    }
    const qtype = msg.readUInt16BE(i + 1);
    const question = msg.subarray(12, i + 5);
    const name = labels.join('.').toLowerCase();
    queries.push(`${qtype === 1 ? 'A' : qtype === 28 ? 'AAAA' : qtype} ${name}`);
    const answer = qtype === 1 && names.has(name);
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(names.has(name) ? 0x8180 : 0x8183, 2); // NOERROR, or NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answer ? 1 : 0, 6);
    const rr = answer ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]) : Buffer.alloc(0);
    sock.send(Buffer.concat([header, question, rr]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => sock.close(() => resolve())));
  return { port: sock.address().port, queries };
}

describe('the built-in resolvers', () => {
  test('ThreadedResolver (getaddrinfo) finds localhost', async () => {
    const found = await new ThreadedResolver().resolve('localhost', 80);
    assert.ok(found.length > 0);
    assert.ok(found.every((a) => a.hostname === 'localhost' && a.port === 80 && (a.family === 4 || a.family === 6)));
    assert.ok(found.some((a) => a.host === '127.0.0.1' || a.host === '::1'), JSON.stringify(found));
  });

  test('AsyncResolver asks the DNS servers it is given; an unknown name is a ClientConnectorDNSError', async (t) => {
    const dns = await dnsServer(t, new Set(['svc.fake.test']));
    const port = await echoHost(t);
    const resolver = new AsyncResolver({ servers: [`127.0.0.1:${dns.port}`], timeout: 1, tries: 1 });
    t.after(() => resolver.close());
    assert.deepEqual(await resolver.resolve('svc.fake.test', port, 4), [{ hostname: 'svc.fake.test', host: '127.0.0.1', port, family: 4, proto: 0, flags: 0 }]);
    const s = session(t, { connector: new TCPConnector({ resolver }) });
    assert.equal(await (await s.get(`http://svc.fake.test:${port}/`)).text(), `svc.fake.test:${port} /`);
    assert.ok(dns.queries.includes('A svc.fake.test'));
    await assert.rejects(s.get(`http://nowhere.fake.test:${port}/`), (e: unknown) => e instanceof ClientConnectorDNSError && e.host === 'nowhere.fake.test');
  });

  test('AsyncResolver refuses bad options', () => {
    assert.throws(() => new AsyncResolver({ servers: [] }), /servers must be a non-empty array/);
    assert.throws(() => new AsyncResolver({ timeout: 0 }), /timeout/);
    assert.throws(() => new AsyncResolver({ tries: 0 }), /tries/);
    assert.throws(() => new AsyncResolver({ nameservers: ['1.1.1.1'] } as never), /unknown option "nameservers"/);
  });
});

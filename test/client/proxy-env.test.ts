// trustEnv: true — HTTP_PROXY / HTTPS_PROXY / NO_PROXY choose the proxy (with
// undici's EnvHttpProxyAgent's rules), and the netrc (NETRC or ~/.netrc)
// gives credentials to the proxy and to requests without any, as aiohttp.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { parseNetrc } from '../../src/client/netrc.js';
import { serve, serveTls, session } from './helpers.js';
import { basic, startProxy } from './proxy-fixture.js';

const NAMES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'NETRC'];

function setEnv(t: TestContext, values: Record<string, string>): void {
  const saved = new Map(NAMES.map((n) => [n, process.env[n]]));
  for (const n of NAMES) delete process.env[n];
  Object.assign(process.env, values);
  t.after(() => {
    for (const [n, v] of saved) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  });
}

async function netrcFile(t: TestContext, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aiots-netrc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'netrc');
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

describe('trustEnv', () => {
  test('HTTP_PROXY is used only with trustEnv; NO_PROXY (host, host:port, *) bypasses it', async (t) => {
    const p = await startProxy(t);
    const { url } = await serve(t, (req, res) => res.end(req.headers.via ?? 'direct'));
    const port = new URL(url).port;
    setEnv(t, { HTTP_PROXY: p.url });
    assert.equal(await (await session(t).get(url)).text(), 'direct');
    const s = session(t, { trustEnv: true });
    assert.equal(s.trustEnv, true);
    assert.equal(await (await s.get(`${url}/1`)).text(), '1.1 test-proxy');
    const cases: [string, string][] = [
      ['127.0.0.1', 'direct'], [`127.0.0.1:${port}`, 'direct'], ['127.0.0.1:1', '1.1 test-proxy'], ['*', 'direct'], ['.0.0.1', 'direct'],
      ['example.com, 127.0.0.2', '1.1 test-proxy'],
    ];
    for (const [noProxy, expected] of cases) {
      process.env.NO_PROXY = noProxy;
      assert.equal(await (await s.get(url)).text(), expected, `NO_PROXY=${noProxy}`);
    }
    // The lower-case name wins, as curl and undici read them.
    process.env.NO_PROXY = '';
    process.env.no_proxy = '127.0.0.1';
    assert.equal(await (await s.get(url)).text(), 'direct');
  });

  test('HTTPS_PROXY tunnels https targets; an explicit proxy wins over the environment', async (t) => {
    const envProxy = await startProxy(t);
    const explicit = await startProxy(t);
    const tls = await serveTls(t, (_req, res) => res.end('tls'));
    setEnv(t, { HTTPS_PROXY: envProxy.url });
    const s = session(t, { trustEnv: true });
    assert.equal(await (await s.get(tls.url, { ssl: false })).text(), 'tls');
    assert.deepEqual(envProxy.seen.requests, [`CONNECT ${new URL(tls.url).host}`]);
    await (await s.get(tls.url, { ssl: false, proxy: explicit.url })).text();
    assert.equal(explicit.seen.requests.length, 1);
    assert.equal(envProxy.seen.requests.length, 1);
  });

  test('the netrc gives the proxy its credentials, and a request without auth its own', async (t) => {
    const p = await startProxy(t, { authorization: basic('proxyuser', 'proxypass') });
    const { url } = await serve(t, (req, res) => res.end(req.headers.authorization ?? 'none'));
    const port = new URL(url).port;
    const path = await netrcFile(t, `machine 127.0.0.1\n  login proxyuser\n  password proxypass\nmachine localhost login alice password s3cret\n`);
    setEnv(t, { HTTP_PROXY: p.url, NETRC: path, NO_PROXY: 'localhost' });
    const s = session(t, { trustEnv: true });
    // Through the proxy (127.0.0.1's entry opens it, and is the target's too).
    assert.equal(await (await s.get(url)).text(), basic('proxyuser', 'proxypass'));
    assert.deepEqual(p.seen.auth, [basic('proxyuser', 'proxypass')]);
    // Direct (NO_PROXY), by name: localhost's entry.
    assert.equal(await (await s.get(`http://localhost:${port}/`)).text(), basic('alice', 's3cret'));
    // Credentials given by the caller win over the netrc.
    assert.equal(await (await s.get(`http://localhost:${port}/`, { headers: { authorization: 'Bearer t' } })).text(), 'Bearer t');
    // Without trustEnv the netrc is not read.
    assert.equal(await (await session(t).get(`http://localhost:${port}/`)).text(), 'none');
  });

  test('a proxy named by the environment with a bad scheme is refused clearly', async (t) => {
    setEnv(t, { HTTP_PROXY: 'socks5://127.0.0.1:1080' });
    const s = session(t, { trustEnv: true });
    await assert.rejects(s.get('http://127.0.0.1:1/'), /proxy scheme socks5: is not supported/);
  });
});

describe('parseNetrc', () => {
  test('machines, default, account for a missing login, comments and macdef bodies skipped', () => {
    const n = parseNetrc([
      '# a comment',
      'machine a.example login u1 password p1',
      'macdef init',
      'machine evil login x password y',
      '',
      'machine b.example account acc password p2',
      'machine a.example login dup password dup',
      'default login anon password guest',
    ].join('\n'));
    assert.deepEqual(n.machines.get('a.example'), { login: 'u1', password: 'p1' });
    assert.deepEqual(n.machines.get('b.example'), { login: 'acc', password: 'p2' });
    assert.equal(n.machines.has('evil'), false);
    assert.deepEqual(n.fallback, { login: 'anon', password: 'guest' });
  });

  test('an empty or garbage file gives no entry', () => {
    for (const text of ['', '   \n', 'login x password y', 'machine']) {
      const n = parseNetrc(text);
      assert.equal(n.fallback, null, JSON.stringify(text));
      assert.ok([...n.machines.values()].every((e) => e.login === '' && e.password === ''), JSON.stringify(text));
    }
  });
});

// `aiots wget`: many URLs at once against local servers; one failing host is
// reported in its row and never stops the others; the exit code says whether
// all succeeded; the progress bar only on a TTY.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main, runWget, type WgetOptions } from '../../src/cli/wget.js';
import { selfSignedCert } from '../tls-certs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const defaults: WgetOptions = { concurrency: 10, timeout: 10, insecure: false };

async function listen<S extends Server>(t: TestContext, server: S): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

function capture(tty: boolean): { write(s: string): void; tty: boolean; text: () => string } {
  let text = '';
  return { write: (s: string) => (text += s), tty, text: () => text };
}

async function refusedPort(): Promise<number> {
  const probe = createNetServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

test('fetches many URLs; a refused, a silent and a bad URL each fail in their own row', async (t) => {
  const ok = await listen(t, createHttpServer((req, res) => {
    res.statusCode = req.url === '/missing' ? 404 : 200;
    res.setHeader('X-Path', req.url ?? '');
    res.end('body');
  }));
  const silent = await listen(t, createNetServer((s) => s.resume()));
  const refused = await refusedPort();
  const urls = [
    `http://127.0.0.1:${ok}/a?b=1`, `http://127.0.0.1:${refused}/`, `http://127.0.0.1:${silent}/`,
    `http://127.0.0.1:${ok}/missing`, 'ftp://127.0.0.1/file', 'not a url',
  ];
  const out = capture(false);
  const rows = await runWget(urls, { ...defaults, timeout: 0.3 }, out);
  assert.deepEqual(rows.map((r) => r.url), urls);
  assert.equal(rows[0]!.status, 'HTTP/1.1 200 OK');
  assert.equal(rows[0]!.error, '');
  assert.ok(rows[0]!.headerBytes > 50);
  assert.match(rows[1]!.error, /ECONNREFUSED/);
  assert.equal(rows[2]!.error, 'timed out after 0.3 s');
  assert.equal(rows[3]!.status, 'HTTP/1.1 404 Not Found'); // an answer is a success: the headers arrived
  assert.match(rows[4]!.error, /unsupported scheme ftp:/);
  assert.match(rows[5]!.error, /Invalid URL/);
  const text = out.text();
  assert.ok(!text.includes('\r'), 'no progress bar when not a TTY');
  assert.match(text, /^URL +STATUS +TIME +HEADER BYTES +ERROR\n/);
  assert.match(text, /2 of 6 succeeded\n$/);
});

test('https: the certificate is checked unless --insecure', async (t) => {
  const { key, cert } = selfSignedCert();
  const port = await listen(t, createHttpsServer({ key, cert }, (_req, res) => res.end('x')));
  const url = `https://localhost:${port}/`;
  const [strict] = await runWget([url], defaults, capture(false));
  assert.match(strict!.error, /self[- ]signed certificate/);
  const [loose] = await runWget([url], { ...defaults, insecure: true }, capture(false));
  assert.equal(loose!.status, 'HTTP/1.1 200 OK');
});

test('sends HTTP/1.1 with Connection: close and does not follow a redirect', async (t) => {
  const seen: { method: string | undefined; url: string | undefined; version: string; connection: string | undefined; host: string | undefined }[] = [];
  const port = await listen(t, createHttpServer((req, res) => {
    seen.push({ method: req.method, url: req.url, version: req.httpVersion, connection: req.headers.connection, host: req.headers.host });
    res.writeHead(301, { Location: `http://127.0.0.1:${(req.socket.localPort ?? 0)}/elsewhere` }).end();
  }));
  const [row] = await runWget([`http://127.0.0.1:${port}/moved?x=1`], defaults, capture(false));
  assert.equal(row!.status, 'HTTP/1.1 301 Moved Permanently');
  assert.equal(row!.error, '');
  assert.deepEqual(seen, [{ method: 'GET', url: '/moved?x=1', version: '1.1', connection: 'close', host: `127.0.0.1:${port}` }]);
});

test('--concurrency bounds the connections open at once', async (t) => {
  let open = 0;
  let maxOpen = 0;
  const port = await listen(t, createHttpServer((_req, res) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.on('close', () => open--);
    setImmediate(() => res.end('x'));
  }));
  const urls = Array.from({ length: 8 }, (_, i) => `http://127.0.0.1:${port}/${i}`);
  const rows = await runWget(urls, { ...defaults, concurrency: 2 }, capture(false));
  assert.ok(rows.every((r) => r.error === ''));
  assert.ok(maxOpen <= 2, `max open ${maxOpen}`);
});

test('a hostile server: endless headers are cut at 1 MiB, a non-HTTP answer is named', async (t) => {
  const endless = await listen(t, createNetServer((s) => {
    s.resume();
    s.write('HTTP/1.1 200 OK\r\n');
    const line = Buffer.from(`X-Junk: ${'j'.repeat(1000)}\r\n`);
    const pump = (): void => {
      while (!s.destroyed && s.write(line));
    };
    s.on('drain', pump);
    s.on('error', () => {});
    pump();
  }));
  const garbage = await listen(t, createNetServer((s) => s.end('SSH-2.0-OpenSSH\r\n')));
  const rows = await runWget([`http://127.0.0.1:${endless}/`, `http://127.0.0.1:${garbage}/`], defaults, capture(false));
  assert.match(rows[0]!.error, /headers larger than 1048576 bytes/);
  assert.match(rows[1]!.error, /not an HTTP response: "SSH-2.0-OpenSSH"/);
});

test('on a TTY a progress bar is drawn, then cleared before the table', async (t) => {
  const port = await listen(t, createHttpServer((_req, res) => res.end('x')));
  const out = capture(true);
  await runWget([`http://127.0.0.1:${port}/`, `http://127.0.0.1:${port}/2`], defaults, out);
  const text = out.text();
  assert.ok(text.startsWith('\r[..............................] 0/2'));
  assert.ok(text.includes('\r[##############################] 2/2'));
  assert.ok(text.includes('\r\x1b[KURL'));
});

test('bad usage exits with 2 and says why', async () => {
  const cases: [string[], RegExp][] = [
    [[], /no URL given/],
    [['--concurrency', '0', 'http://x/'], /--concurrency must be an integer >= 1, got "0"/],
    [['--timeout', 'soon', 'http://x/'], /--timeout must be a number of seconds > 0/],
    [['--bogus', 'http://x/'], /Unknown option '--bogus'/],
  ];
  const write = process.stderr.write.bind(process.stderr);
  for (const [argv, message] of cases) {
    let err = '';
    process.stderr.write = (s: string) => ((err += s), true);
    let code: number;
    try {
      code = await main(argv);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(code, 2, argv.join(' '));
    assert.match(err, message);
  }
});

test('the aiots command: the exit code says whether all succeeded, no bar when piped', async (t) => {
  const port = await listen(t, createHttpServer((_req, res) => res.end('x')));
  const refused = await refusedPort();
  const run = (urls: string[]): Promise<{ code: number; stdout: string }> => new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'wget', '--timeout', '5', ...urls], { cwd: root, timeout: 20_000 }, (err, stdout) => {
      resolve({ code: err === null ? 0 : (err.code as number), stdout });
    });
  });
  const good = await run([`http://127.0.0.1:${port}/`]);
  assert.equal(good.code, 0);
  assert.match(good.stdout, /HTTP\/1\.1 200 OK/);
  assert.ok(!good.stdout.includes('\r'));
  const bad = await run([`http://127.0.0.1:${port}/`, `http://127.0.0.1:${refused}/`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /ECONNREFUSED/);
  assert.match(bad.stdout, /1 of 2 succeeded/);
});

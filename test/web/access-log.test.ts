import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

function app(): web.Application {
  const a = new web.Application();
  a.router.addGet('/x', async () => {
    const r = new web.Response({ text: 'hello' });
    r.headers.set('X-Out', 'o');
    return r;
  });
  return a;
}

test('the access log uses aiohttp\'s default format', async (t) => {
  const lines: string[] = [];
  const client = await clientFor(t, app(), { accessLog: (l) => lines.push(l) });
  await client.get('/x?y=1', { headers: { 'user-agent': 'ua/1', referer: 'http://r/' } });
  await client.get('/missing');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^127\.0\.0\.1 \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/x\?y=1 HTTP\/1\.1" 200 5 "http:\/\/r\/" "ua\/1"$/);
  assert.match(lines[1]!, /"GET \/missing HTTP\/1\.1" 404 14 "-" /);
});

test('a custom format, a logger object, and a sink that throws does not break serving', async (t) => {
  const lines: string[] = [];
  const client = await clientFor(t, app(), { accessLog: { info: (l: string) => lines.push(l) }, accessLogFormat: '%s %{X-Out}o %P %% %Tf %D' });
  await client.get('/x');
  assert.match(lines[0]!, /^200 o <\d+> % \d+\.\d{6} \d+$/);
  const broken = await clientFor(t, app(), { accessLog: () => {
    throw new Error('sink down');
  } });
  assert.equal((await broken.get('/x')).status, 200);
  assert.throws(() => new web.AppRunner(app(), { accessLog: 42 as never }), /accessLog must be a function/);
});

/** This test's lines written to stdout while `fn` runs (kept out of the test's output). */
async function stdoutDuring(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string' && chunk.includes('stdout-test')) {
      lines.push(chunk);
      return true;
    }
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  };
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

async function serveOnce(options: web.RunnerOptions): Promise<void> {
  const runner = new web.AppRunner(app(), options);
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  try {
    assert.equal((await fetch(`http://127.0.0.1:${site.port}/x?from=stdout-test`)).status, 200);
  } finally {
    await runner.cleanup();
  }
}

test('the default sink writes a line on stdout; accessLog: null writes nothing', async () => {
  const on = await stdoutDuring(() => serveOnce({}));
  assert.equal(on.filter((l) => l.includes('"GET /x?from=stdout-test HTTP/1.1" 200 5 ')).length, 1, on.join(''));
  const off = await stdoutDuring(() => serveOnce({ accessLog: null }));
  assert.deepEqual(off, []);
});

test('%t is the local time with its UTC offset, as aiohttp\'s [%d/%b/%Y:%H:%M:%S %z]', async (t) => {
  const lines: string[] = [];
  const client = await clientFor(t, app(), { accessLog: (l) => lines.push(l), accessLogFormat: '%t' });
  await client.get('/x');
  const m = /^\[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\]$/.exec(lines[0] ?? '');
  assert.ok(m !== null, lines[0]);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const utc = Date.UTC(Number(m[3]), months.indexOf(m[2]!), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset * 60_000;
  assert.equal(offset + new Date(utc).getTimezoneOffset(), 0);
  assert.ok(Math.abs(Date.now() - utc) < 3_600_000, `${lines[0]} is not now`);
});

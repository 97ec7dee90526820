// slowhttptest (Debian) in its four modes against runApp (issue 15), with
// short timeouts so that the cuts happen inside the test. Asserted on the
// server's side (its own count of connections, test/reliability/slow-target.ts),
// since slowhttptest's counters are unreliable: the slow connections are cut,
// none before its deadline, the server answers a probe throughout, and its
// memory stays bounded. The long run with the defaults is
// bench/stress/slowhttptest.ts.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, test } from 'node:test';

const SLOWHTTPTEST = '/usr/bin/slowhttptest';
const missing = existsSync(SLOWHTTPTEST) ? false : `${SLOWHTTPTEST} is not installed (apt-get install slowhttptest)`;
const HEADERS_TIMEOUT = 1;
const REQUEST_TIMEOUT = 2;
const CONNECTIONS = 40;
const MiB = 1024 * 1024;

interface Status {
  accepted: number;
  open: number;
  cutByServer: number;
  closedAfterAnswer: number;
  closedByClient: number;
  rss: number;
  peakRss: number;
  cuts: number[];
}

let target: ChildProcess | undefined;
let base = '';

before(async () => {
  if (missing !== false) return;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/slow-target.ts'], {
    env: { ...process.env, SLOW_TARGET_OPTIONS: JSON.stringify({ headersTimeout: HEADERS_TIMEOUT, requestTimeout: REQUEST_TIMEOUT }), SLOW_TARGET_BIG_MIB: '64' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  target = child;
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Running on (http:\/\/[\d.:]+)/.exec(out);
      if (m !== null) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`slow-target exited with ${code}: ${out}`)));
  });
});

after(async () => {
  const child = target;
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

/**
 * A request on a connection of its own, closed after the answer: the
 * server's count of open connections then holds only the attacker's (and
 * the status request's own).
 */
function get(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, agent: false, headers: { Connection: 'close', ...headers }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

async function status(): Promise<Status> {
  return JSON.parse((await get('/status?all=1')).body) as Status;
}

interface Run {
  readonly before: Status;
  readonly after: Status;
  readonly probes: number[];
  /** Lifetimes (seconds) of the connections the server cut during the run. */
  readonly cuts: number[];
}

/**
 * Run slowhttptest with `args` for at most `seconds`, probing `/ping` every
 * 200 ms meanwhile; then wait until only the status request's connection is
 * open (the hang guard is the test's timeout).
 */
async function attack(args: string[], seconds: number): Promise<Run> {
  const before = await status();
  const tool = spawn(SLOWHTTPTEST, ['-c', String(CONNECTIONS), '-r', '200', '-i', '1', '-l', String(seconds), '-p', '2', ...args], { stdio: 'ignore' });
  const exited = new Promise((resolve) => tool.once('exit', resolve));
  const probes: number[] = [];
  let running = true;
  void exited.then(() => (running = false));
  while (running) {
    probes.push((await get('/ping')).status);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  let now = await status();
  while (now.open > 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    now = await status();
  }
  return { before, after: now, probes, cuts: now.cuts.slice(before.cuts.length) };
}

function assertServed(run: Run): void {
  assert.ok(run.probes.length > 0);
  assert.deepEqual(run.probes.filter((s) => s !== 200), [], 'a probe was not answered 200 during the attack');
  // Generous: the kernel's buffers are not the process's, and the server holds at most a socket buffer per connection.
  assert.ok(run.after.peakRss - run.before.rss < 150 * MiB, `RSS grew by ${((run.after.peakRss - run.before.rss) / MiB).toFixed(0)} MiB`);
}

test('slowhttptest -H (slow headers): every connection is cut at headersTimeout, none before', { skip: missing, timeout: 60_000 }, async () => {
  const run = await attack(['-H', '-u', `${base}/`], 6);
  assert.ok(run.cuts.length >= CONNECTIONS, `${run.cuts.length} of ${CONNECTIONS} slow connections cut`);
  assert.ok(Math.min(...run.cuts) >= HEADERS_TIMEOUT, `cut after ${Math.min(...run.cuts)} s`);
  assertServed(run);
});

test('slowhttptest -B (slow body): every connection is cut at requestTimeout, none before', { skip: missing, timeout: 60_000 }, async () => {
  const run = await attack(['-B', '-u', `${base}/upload`], 6);
  assert.ok(run.cuts.length >= CONNECTIONS, `${run.cuts.length} of ${CONNECTIONS} slow connections cut`);
  assert.ok(Math.min(...run.cuts) >= REQUEST_TIMEOUT, `cut after ${Math.min(...run.cuts)} s`);
  assertServed(run);
});

test('slowhttptest -X (slow read of a 64 MiB stream): every connection is cut once its send stalls for requestTimeout', { skip: missing, timeout: 60_000 }, async () => {
  const run = await attack(['-X', '-u', `${base}/big`], 6);
  assert.ok(run.cuts.length >= CONNECTIONS, `${run.cuts.length} of ${CONNECTIONS} slow readers cut`);
  assert.ok(Math.min(...run.cuts) >= REQUEST_TIMEOUT, `cut after ${Math.min(...run.cuts)} s`);
  assertServed(run);
});

test('slowhttptest -R (range attack on a FileResponse): answered whole, nothing cut', { skip: missing, timeout: 60_000 }, async () => {
  const run = await attack(['-R', '-u', `${base}/file`], 4);
  assert.equal(run.cuts.length, 0);
  assert.ok(run.after.closedAfterAnswer - run.before.closedAfterAnswer >= CONNECTIONS, 'the range requests were not all answered');
  assertServed(run);
  // What each of them got: slowhttptest's header (2,002 overlapping ranges) is over the limit of 100, so the whole file, once.
  const ranges = ['0-', ...Array.from({ length: 2001 }, (_, i) => `5-${i}`)].join(',');
  const r = await get('/file', 'HEAD', { Range: `bytes=${ranges}` });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], String(MiB));
});

// examples/chat/ in a real browser: Debian's Chromium, driven by
// playwright-core, against the example's app served in this process. Every
// wait is on a condition of the page, never a fixed sleep.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { ClientSession, WSServerHandshakeError } from '../../src/client/index.js';
import { TestServer } from '../../src/testing/index.js';
import { makeApp, participantsKey } from '../../examples/chat/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Debian's package, never a browser build downloaded by playwright.
const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const noChromium = executablePath === undefined ? 'no Chromium at /usr/bin/chromium (Debian: apt-get install chromium)' : false;

async function launch(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: executablePath!,
    // Chromium refuses to sandbox as root, which CI is.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  t.after(() => browser.close());
  return browser;
}

async function serve(t: TestContext): Promise<TestServer> {
  const server = new TestServer(makeApp());
  await server.start();
  t.after(() => server.close());
  return server;
}

async function join(browser: Browser, server: TestServer, name: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(server.makeUrl('/'));
  await page.fill('#name', name);
  await page.click('#join button');
  await page.locator('#status', { hasText: `Connected as ${name}.` }).waitFor();
  return page;
}

/** Wait until the page lists exactly `names` as participants (in any order). */
async function participantsAre(page: Page, names: string[]): Promise<void> {
  // A string, evaluated in the page (this project's types have no DOM).
  const want = JSON.stringify([...names].sort());
  await page.waitForFunction(`JSON.stringify([...document.querySelectorAll('#participants li')].map((li) => li.textContent).sort()) === ${JSON.stringify(want)}`);
}

test('chat in headless Chromium: two pages join, a message reaches the other, a closed page leaves the participants, shutdown says 1001', { skip: noChromium }, async (t) => {
  const server = await serve(t);
  const browser = await launch(t);
  const alice = await join(browser, server, 'Alice');
  const bob = await join(browser, server, 'Bob');
  await participantsAre(alice, ['Alice', 'Bob']);
  await participantsAre(bob, ['Alice', 'Bob']);
  await alice.locator('#messages li.event', { hasText: 'Bob joined' }).waitFor();

  await alice.fill('#text', 'hello, Bob');
  await alice.click('#send button');
  await bob.locator('#messages li.message', { hasText: 'Alice: hello, Bob' }).waitFor();
  // The sender gets its own message back, as everyone does.
  await alice.locator('#messages li.message', { hasText: 'Alice: hello, Bob' }).waitFor();

  // Markup in a message is shown as text, not run.
  await bob.fill('#text', '<img src=x onerror="document.title=\'owned\'">');
  await bob.click('#send button');
  await alice.locator('#messages li.message', { hasText: 'Bob: <img src=x' }).waitFor();
  assert.equal(await alice.locator('#messages img').count(), 0);
  assert.notEqual(await alice.title(), 'owned');

  await alice.close();
  await participantsAre(bob, ['Bob']);
  await bob.locator('#messages li.event', { hasText: 'Alice left' }).waitFor();
  // Alice is removed before Bob is told, so the room is already down to him.
  assert.deepEqual([...server.app.get(participantsKey)].map((p) => p.name), ['Bob']);

  // Shutdown closes the open sockets with 1001 (going away) and the handlers finish.
  await server.close();
  await bob.locator('#status', { hasText: 'Disconnected (1001' }).waitFor();
  assert.equal(server.app.get(participantsKey).size, 0);
});

test('chat: a join without a name is refused with 400 before the handshake', async (t) => {
  const server = await serve(t);
  const session = new ClientSession();
  t.after(() => session.close());
  for (const query of ['', '?name=', '?name=%20%20', `?name=${'x'.repeat(33)}`, '?name=a%0Ab']) {
    await assert.rejects(session.wsConnect(server.makeUrl(`/ws${query}`)), (e: unknown) => {
      assert.ok(e instanceof WSServerHandshakeError, String(e));
      assert.equal(e.status, 400);
      return true;
    }, query);
  }
  assert.equal(server.app.get(participantsKey).size, 0);
});

test('npm run example:chat prints its address, serves the page and a socket, and on SIGINT closes the socket with 1001 and exits', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/chat/server.ts', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 30_000);
  t.after(() => {
    clearTimeout(watchdog);
    child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before printing its address: ${stdout}${stderr}`)));
  });
  const res = await fetch(`${address}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await res.text(), /<title>aiots chat<\/title>/);
  const ws = new WebSocket(`${address.replace(/^http/, 'ws')}/ws?name=cli`);
  t.after(() => ws.terminate());
  const [joined] = (await once(ws, 'message')) as [Buffer];
  assert.deepEqual(JSON.parse(joined.toString()), { type: 'joined', name: 'cli' });
  const closed = once(ws, 'close') as Promise<[number, Buffer]>;
  child.kill('SIGINT');
  assert.equal((await closed)[0], 1001);
  assert.equal(await exited, 0, stderr);
});

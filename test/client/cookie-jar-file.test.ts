// CookieJar.save(path) / load(path), as aiohttp's: a jar written by one
// session is read back by another, which then sends the cookies; a file that
// is not a saved jar is refused and leaves the jar as it was.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CookieJar } from '../../src/client/index.js';
import { serve, session } from './helpers.js';

function tempDir(t: Parameters<typeof serve>[0]): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-jar-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a jar saved by one session is loaded by another, which sends its cookies', async (t) => {
  const cookies: (string | undefined)[] = [];
  const { url } = await serve(t, (req, res) => {
    cookies.push(req.headers.cookie);
    if (req.url === '/login') res.setHeader('set-cookie', ['sid=abc; Path=/; HttpOnly', 'pref=dark; Max-Age=3600']);
    res.end('ok');
  });
  const file = join(tempDir(t), 'cookies.json');
  const first = session(t, { cookieJar: new CookieJar({ unsafe: true }) });
  await (await first.get(`${url}/login`)).text();
  first.cookieJar.save(file);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');

  const jar = new CookieJar({ unsafe: true });
  jar.updateCookies({ stale: '1' }, url);
  jar.load(file);
  assert.deepEqual([...jar].map((c) => c.name).sort(), ['pref', 'sid'], 'load replaces what the jar held');
  assert.equal([...jar].find((c) => c.name === 'sid')?.httpOnly, true);
  const second = session(t, { cookieJar: jar });
  await (await second.get(`${url}/next`)).text();
  assert.equal(cookies[1], 'sid=abc; pref=dark');
});

test('load refuses a file that is not a saved jar, and a bad path', (t) => {
  const dir = tempDir(t);
  const jar = new CookieJar();
  jar.updateCookies(['a=1'], 'http://example.com/');
  for (const [name, content] of [['garbage', 'not json'], ['array', '[1,2]'], ['nocookies', '{"version":"x"}']] as const) {
    const file = join(dir, name);
    writeFileSync(file, content);
    assert.throws(() => jar.load(file), new RegExp(`^TypeError: CookieJar\\.load\\(\\): .*${name} is not a cookie jar written by save\\(\\)`));
  }
  assert.equal(jar.filterCookies('http://example.com/').a, '1', 'the jar is unchanged');
  assert.throws(() => jar.load(join(dir, 'missing')), /ENOENT/);
  assert.throws(() => jar.save(42 as never), /^TypeError: CookieJar\.save\(\): path must be a non-empty string, got number 42/);
  assert.throws(() => jar.load(''), /path must be a non-empty string/);
});

// examples/wget.ts against three local HTTP servers at once: each seed host
// gets its own server (through --host/--port), and each host's header lines
// appear in the output with the Host header that host sent.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hosts = ['www.sina.com.cn', 'www.sohu.com', 'www.163.com'];

async function httpServer(n: number): Promise<Server> {
  const server = createServer((req, res) => {
    res.setHeader('X-Server', String(n));
    res.setHeader('X-Host', req.headers.host ?? '');
    res.end('<h1>body ignored</h1>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'examples/wget.ts', ...args], { cwd: root, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(err);
      else resolve({ stdout, stderr });
    });
  });
}

test('examples/wget.ts fetches the three hosts\' headers concurrently', async (t) => {
  const servers = await Promise.all([1, 2, 3].map(httpServer));
  t.after(() => {
    for (const s of servers) s.close();
  });
  const ports = servers.map((s) => String((s.address() as AddressInfo).port));
  const { stdout, stderr } = await run(['--host', '127.0.0.1', ...ports.flatMap((p) => ['--port', p])]);
  assert.equal(stderr, '');
  const lines = stdout.split('\n');
  for (const [i, host] of hosts.entries()) {
    assert.ok(lines.includes(`wget ${host}...`), `no "wget ${host}..." in:\n${stdout}`);
    assert.ok(lines.includes(`${host} header > HTTP/1.1 200 OK`), stdout);
    assert.ok(lines.includes(`${host} header > X-Server: ${i + 1}`), stdout);
    assert.ok(lines.includes(`${host} header > X-Host: ${host}`), stdout);
    assert.ok(lines.includes(`${host} header > Connection: close`), stdout);
  }
  // Concurrent, as the seed: the three "wget" lines come before any header.
  const firstHeader = lines.findIndex((l) => l.includes(' header > '));
  assert.deepEqual(lines.slice(0, 3).sort(), hosts.map((h) => `wget ${h}...`).sort());
  assert.equal(firstHeader, 3);
  assert.ok(!stdout.includes('body ignored'));
});

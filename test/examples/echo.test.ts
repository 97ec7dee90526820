// The echo servers and clients of CPython's asyncio-protocol.rst
// (examples/tcp_echo_*.ts, examples/udp_echo_*.ts): each server runs on a
// free port, the client talks to it and the outputs are those of the docs.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Start `file` with port 0 and return it once it printed the port it listens on. */
async function startServer(t: TestContext, file: string): Promise<{ child: ChildProcess; port: number; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    rl.on('line', (line) => {
      lines.push(line);
      const m = /(?:Serving|Listening) on 127\.0\.0\.1:(\d+)/.exec(line);
      if (m !== null) resolve(Number(m[1]));
    });
    child.on('close', () => reject(new Error(`${file} ended before listening: ${stderr}`)));
  });
  return { child, port, lines };
}

function runClient(file: string, port: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', file, String(port)], { cwd: root, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

async function until(lines: string[], n: number): Promise<void> {
  while (lines.length < n) await new Promise((r) => setTimeout(r, 10));
}

test('examples/tcp_echo_server.ts and tcp_echo_client.ts: the message goes and comes back, then the server closes', async (t) => {
  const server = await startServer(t, 'examples/tcp_echo_server.ts');
  const { stdout, stderr } = await runClient('examples/tcp_echo_client.ts', server.port);
  assert.equal(stdout, 'Data sent: "Hello World!"\nData received: "Hello World!"\nThe server closed the connection\n');
  assert.equal(stderr, '');
  await until(server.lines, 5);
  assert.match(server.lines[1]!, /^Connection from 127\.0\.0\.1:\d+$/);
  assert.deepEqual(server.lines.slice(2), ['Data received: "Hello World!"', 'Send: "Hello World!"', 'Close the client socket']);
});

test('examples/udp_echo_server.ts and udp_echo_client.ts: one datagram goes and comes back', async (t) => {
  const server = await startServer(t, 'examples/udp_echo_server.ts');
  assert.equal(server.lines[0], 'Starting UDP server');
  const { stdout, stderr } = await runClient('examples/udp_echo_client.ts', server.port);
  assert.equal(stdout, 'Send: Hello World!\nReceived: Hello World!\nClose the socket\nConnection closed\n');
  assert.equal(stderr, '');
  await until(server.lines, 4);
  assert.match(server.lines[2]!, /^Received "Hello World!" from 127\.0\.0\.1:\d+$/);
  assert.match(server.lines[3]!, /^Send "Hello World!" to 127\.0\.0\.1:\d+$/);
});

test('examples/udp_echo_client.ts with no server: the ICMP error reaches errorReceived, the client keeps waiting (as in asyncio)', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/udp_echo_client.ts', '9'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  await until(lines, 2);
  assert.equal(lines[0], 'Send: Hello World!');
  assert.match(lines[1]!, /^Error received: \w+ ECONNREFUSED$/);
});

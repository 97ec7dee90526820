// Proxies for the client tests, on 127.0.0.1: Debian's squid (a real one,
// run in the foreground from a temp dir), and a small HTTP proxy written
// here on node:http (absolute-form requests and CONNECT) whose faults can be
// chosen: credentials required, CONNECT refused, the tunnel cut mid-body.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { closedPort } from './helpers.js';

export const SQUID = process.env.SQUID ?? '/usr/sbin/squid';
export const SQUID_SKIP = existsSync(SQUID) ? false : `squid not found at ${SQUID} (apt-get install squid, or set SQUID=/path/to/squid)`;

/** squid on two ports: `open` lets 127.0.0.1 through, `auth` wants Basic `alice:secret`. */
export async function startSquid(t: TestContext): Promise<{ open: string; auth: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'aiots-squid-'));
  // squid started as root drops to its own user, which must write here.
  await chmod(dir, 0o777);
  const hash = execFileSync('openssl', ['passwd', '-apr1', 'secret'], { encoding: 'utf8' }).trim();
  await writeFile(join(dir, 'passwd'), `alice:${hash}\n`, { mode: 0o644 });
  const open = await closedPort();
  const auth = await closedPort();
  await writeFile(join(dir, 'squid.conf'), `http_port 127.0.0.1:${open}
http_port 127.0.0.1:${auth}
pid_filename ${dir}/squid.pid
cache_log ${dir}/cache.log
access_log none
cache deny all
coredump_dir ${dir}
visible_hostname aiots-test
shutdown_lifetime 0 seconds
dns_nameservers 127.0.0.1
auth_param basic program /usr/lib/squid/basic_ncsa_auth ${dir}/passwd
auth_param basic realm aiots
acl authed proxy_auth REQUIRED
acl authport localport ${auth}
http_access allow authport authed
http_access deny authport
http_access allow localhost
http_access deny all
`);
  const child = spawn(SQUID, ['-N', '-f', join(dir, 'squid.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => stderr += d);
  t.after(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });
  for (const port of [open, auth]) await waitListening(port, () => child.exitCode !== null ? `squid exited: ${stderr}` : null);
  return { open: `http://127.0.0.1:${open}`, auth: `http://127.0.0.1:${auth}` };
}

async function waitListening(port: number, failed: () => string | null): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const why = failed();
    if (why !== null) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await delay(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** What the test proxy does. */
export interface ProxyFaults {
  /** Wanted `Proxy-Authorization` value (else 407). */
  readonly authorization?: string;
  /** Answer CONNECT with this status instead of 200. */
  readonly refuseConnect?: number;
  /** Close the tunnel after this many bytes from the target. */
  readonly cutAfter?: number;
}

/** What the test proxy saw. */
export interface ProxySeen {
  /** `CONNECT host:port` or `GET http://...`, in order. */
  readonly requests: string[];
  /** The `Proxy-Authorization` of each. */
  readonly auth: (string | undefined)[];
}

/** A small HTTP proxy on node:http: absolute-form requests are forwarded, CONNECT is tunnelled. */
export async function startProxy(t: TestContext, faults: ProxyFaults = {}): Promise<{ url: string; seen: ProxySeen; sockets: Set<net.Socket> }> {
  const seen: ProxySeen = { requests: [], auth: [] };
  const sockets = new Set<net.Socket>();
  const allowed = (h: http.IncomingHttpHeaders): boolean => faults.authorization === undefined || h['proxy-authorization'] === faults.authorization;
  const server = http.createServer((req, res) => {
    seen.requests.push(`${req.method} ${req.url}`);
    seen.auth.push(req.headers['proxy-authorization']);
    if (!allowed(req.headers)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"', 'content-length': '0' }).end();
      return;
    }
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers, via: '1.1 test-proxy' };
    delete headers['proxy-authorization'];
    const up = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.requests.push(`CONNECT ${req.url}`);
    seen.auth.push(req.headers['proxy-authorization']);
    socket.on('error', () => {});
    if (!allowed(req.headers)) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (faults.refuseConnect !== undefined) {
      socket.end(`HTTP/1.1 ${faults.refuseConnect} ${http.STATUS_CODES[faults.refuseConnect] ?? 'No'}\r\nX-Why: test\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) up.write(head);
      socket.pipe(up);
      let relayed = 0;
      up.on('data', (chunk: Buffer) => {
        relayed += chunk.length;
        socket.write(chunk);
        if (faults.cutAfter !== undefined && relayed >= faults.cutAfter) {
          up.destroy();
          socket.destroy();
        }
      });
      up.on('end', () => socket.end());
    });
    up.on('error', () => socket.destroy());
    socket.on('close', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, seen, sockets };
}

/** `Basic base64(login:password)`, as BasicAuth.encode() gives it. */
export function basic(login: string, password: string): string {
  return `Basic ${Buffer.from(`${login}:${password}`, 'latin1').toString('base64')}`;
}

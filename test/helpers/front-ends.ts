/**
 * Real reverse proxies (nginx, HAProxy, Varnish) started by a test on
 * loopback, each with a config written to a temp directory and stopped in the
 * test's `after`. A test skips, with the message from `frontEndMissing()`,
 * only when the binary cannot be found.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { TestContext } from 'node:test';

export type FrontEndKind = 'nginx' | 'haproxy' | 'varnish';

const BINARIES: Record<FrontEndKind, { bin: string; env: string; pkg: string }> = {
  nginx: { bin: 'nginx', env: 'NGINX', pkg: 'nginx-light' },
  haproxy: { bin: 'haproxy', env: 'HAPROXY', pkg: 'haproxy' },
  varnish: { bin: 'varnishd', env: 'VARNISHD', pkg: 'varnish' },
};

/** The binary from its environment variable, else Debian's /usr/sbin, else the first on PATH. */
export function findFrontEnd(kind: FrontEndKind): string | undefined {
  const { bin, env } = BINARIES[kind];
  const fromEnv = process.env[env];
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : undefined;
  const dirs = ['/usr/sbin', ...(process.env.PATH ?? '').split(delimiter)];
  return dirs.filter((d) => d !== '').map((d) => join(d, bin)).find((p) => existsSync(p));
}

/** `false` when the front end is there, else the reason to skip. */
export function frontEndMissing(kind: FrontEndKind): string | false {
  const { bin, env, pkg } = BINARIES[kind];
  return findFrontEnd(kind) === undefined ? `${bin} not found (install ${pkg}, or set ${env}=/path/to/${bin})` : false;
}

/** The front end's version line (`nginx/1.22.1`, `HAProxy version 2.6.12…`, `varnish-7.1.1…`). */
export function frontEndVersion(kind: FrontEndKind): string {
  const bin = findFrontEnd(kind);
  if (bin === undefined) return 'missing';
  const r = spawnSync(bin, [kind === 'haproxy' ? '-v' : '-V'], { encoding: 'utf8' });
  const text = `${r.stdout}${r.stderr}`;
  const patterns: Record<FrontEndKind, RegExp> = {
    nginx: /nginx\/[\d.]+/,
    haproxy: /HAProxy version [\d.]+\S*/,
    varnish: /varnish-[\d.]+/,
  };
  return patterns[kind].exec(text)?.[0] ?? text.split('\n')[0] ?? '';
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

export async function connects(port: number): Promise<boolean> {
  const socket: Socket = createConnection({ host: '127.0.0.1', port });
  try {
    await Promise.race([once(socket, 'connect'), once(socket, 'error')]);
    return socket.readyState === 'open';
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/** A fresh directory for a front end's config, logs and state, removed after the test. */
export async function makePrefix(t: TestContext, name = 'front-end'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `aiots-${name}-`));
  // When run as root, nginx's workers drop to nobody: let them into the prefix.
  await chmod(dir, 0o755);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Daemon {
  readonly name: string;
  readonly bin: string;
  /** Writes the config for `port` and gives the arguments that run the daemon in the foreground. */
  prepare(port: number): Promise<string[]>;
  /** Logs read to explain a failed start. */
  readonly logs: string[];
  /** The signal that stops it (gracefully where the daemon has one). */
  readonly stop: NodeJS.Signals;
}

/** Starts a daemon on a free port; resolves with the port once it accepts connections. */
async function startDaemon(t: TestContext, d: Daemon): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = await d.prepare(port);
    const child: ChildProcess = spawn(d.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => stderr += b.toString());
    const exited = once(child, 'exit');
    // A hang guard: Varnish compiles its VCL with cc first, which takes seconds on a loaded machine.
    const deadline = Date.now() + 60_000;
    while (child.exitCode === null && child.signalCode === null && !(await connects(port))) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`${d.name} did not listen on 127.0.0.1:${port} within 60 s:\n${stderr}`);
      }
      await Promise.race([delay(50), exited]);
    }
    if (child.exitCode === null && child.signalCode === null) {
      t.after(async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill(d.stop);
        // A hang guard: the daemon's graceful stop should take well under this.
        const guard = new AbortController();
        const stopped = await Promise.race([exited.then(() => true), delay(10_000, false, { signal: guard.signal }).catch(() => false)]);
        guard.abort();
        if (!stopped) {
          child.kill('SIGKILL');
          await exited;
        }
      });
      return port;
    }
    const logs = (await Promise.all(d.logs.map((f) => readFile(f, 'utf8').catch(() => '')))).join('\n');
    // Another process may have taken the free port between probe and bind.
    if (attempt < 3 && /Address already in use|cannot bind|Could not get socket/i.test(stderr + logs)) continue;
    throw new Error(`${d.name} exited with ${child.exitCode ?? child.signalCode}:\n${stderr}\n${logs}`);
  }
}

export interface NginxOptions {
  /** Directives added inside `http {}` (an `access_log`, timeouts). */
  readonly http?: string;
  /** Directives added inside `location / {}`. */
  readonly location?: string;
}

function nginxConf(dir: string, listen: number, upstream: string, o: NginxOptions): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${o.http ?? ''}
  upstream aiots {
    server ${upstream};
    keepalive 8;
  }
  server {
    listen 127.0.0.1:${listen};
    location / {
      proxy_pass http://aiots;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Real-IP $remote_addr;
${o.location ?? ''}
    }
  }
}
`;
}

/**
 * Starts nginx in front of `upstream` (`host:port` or `unix:path`) as
 * docs/deployment.md configures it (HTTP/1.1 upstream keep-alive);
 * resolves with its port once it accepts.
 */
export function startNginx(t: TestContext, dir: string, upstream: string, options: NginxOptions = {}): Promise<number> {
  const conf = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'error.log');
  return startDaemon(t, {
    name: 'nginx',
    bin: findFrontEnd('nginx') ?? 'nginx',
    async prepare(port) {
      await writeFile(conf, nginxConf(dir, port, upstream, options));
      // -e: the error log from the first line on, before the config is read.
      return ['-p', dir, '-c', conf, '-e', errorLog];
    },
    logs: [errorLog],
    // SIGQUIT: nginx's graceful stop (workers finish, then the master exits).
    stop: 'SIGQUIT',
  });
}

/**
 * Starts HAProxy (HTTP mode, keep-alive on both sides, upstream connections
 * shared between clients with `http-reuse always`) in front of `upstream`
 * (`host:port`). `frontend` lines are added to its frontend section.
 */
export function startHaproxy(t: TestContext, dir: string, upstream: string, frontend = ''): Promise<number> {
  const conf = join(dir, 'haproxy.cfg');
  return startDaemon(t, {
    name: 'haproxy',
    bin: findFrontEnd('haproxy') ?? 'haproxy',
    async prepare(port) {
      await writeFile(conf, `global
  maxconn 256
defaults
  mode http
  timeout connect 2s
  timeout client 2s
  timeout server 5s
  timeout http-request 2s
  timeout http-keep-alive 2s
frontend fe
  bind 127.0.0.1:${port}
${frontend}
  default_backend aiots
backend aiots
  http-reuse always
  server s1 ${upstream}
`);
      // -db: foreground, no daemon.
      return ['-db', '-f', conf];
    },
    logs: [],
    stop: 'SIGTERM',
  });
}

/**
 * Starts Varnish in front of `upstream` (`host`, `port`) with `vcl_recv`
 * lines before its `return (pass)`: nothing cached, every request goes up.
 */
export function startVarnish(t: TestContext, dir: string, upstream: { host: string; port: number }, recv = ''): Promise<number> {
  const vcl = join(dir, 'default.vcl');
  return startDaemon(t, {
    name: 'varnishd',
    bin: findFrontEnd('varnish') ?? 'varnishd',
    async prepare(port) {
      await writeFile(vcl, `vcl 4.1;
backend aiots { .host = "${upstream.host}"; .port = "${upstream.port}"; }
sub vcl_recv {
${recv}
  return (pass);
}
`);
      // -F: foreground; -j none: no privilege separation (run as whoever runs the test).
      return ['-F', '-n', join(dir, 'varnish'), '-a', `127.0.0.1:${port}`, '-f', vcl, '-s', 'malloc,16m', '-j', 'none',
        '-p', 'timeout_idle=2', '-p', 'first_byte_timeout=5', '-p', 'thread_pools=1', '-p', 'thread_pool_min=5'];
    },
    logs: [],
    stop: 'SIGTERM',
  });
}

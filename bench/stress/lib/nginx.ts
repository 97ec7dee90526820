/**
 * A throwaway nginx on loopback in front of aiots upstreams, for the stress
 * benchmarks: config in a temp prefix, started in the foreground, stopped with
 * SIGQUIT (graceful). Sized for 10,000 client connections plus as many
 * upstream ones: two workers sharing the listening port (reuseport), each
 * under the 20,000 descriptors a process may open here.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { connects, freePort } from '../../../test/helpers/front-ends.ts';

export const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';

export interface Nginx {
  readonly port: number;
  readonly dir: string;
  readonly process: ChildProcess;
  /** The error log so far. */
  errorLog(): Promise<string>;
  /** Graceful stop, then the prefix is removed. */
  stop(): Promise<void>;
}

function config(dir: string, port: number, upstreams: readonly number[], fds: number): string {
  return `daemon off;
worker_processes 2;
worker_rlimit_nofile ${fds};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${fds - 500}; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream aiots {
${upstreams.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
    keepalive 512;
  }
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / {
      proxy_pass http://aiots;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # nginx's defaults, spelt out: a GET whose upstream fails (refused,
      # reset, closed before the header) is retried on the next upstream.
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 0;
    }
  }
}
`;
}

/** Start nginx in front of the given upstream ports; resolves once it accepts. */
export async function startNginx(upstreams: readonly number[], fds = 19000): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`nginx not found at ${NGINX} (apt-get install nginx-light, or set NGINX)`);
  const dir = await mkdtemp(join(tmpdir(), 'aiots-stress-nginx-'));
  // As root, nginx's workers run as nobody: they must reach the prefix.
  await chmod(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, config(dir, port, upstreams, fds));
  const child = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(child, 'exit');
  while (child.exitCode === null && child.signalCode === null && !(await connects(port))) await Promise.race([delay(50), exited]);
  const errorLog = (): Promise<string> => readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
  if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited at start:\n${await errorLog()}`);
  return {
    port, dir, process: child, errorLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

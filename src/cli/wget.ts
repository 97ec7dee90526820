// `aiots wget URL...`: the seed's concurrent wget as a tool. Fetches the
// response headers of many URLs at once over aiots streams (HTTP/1.1,
// Connection: close, no redirects), at most --concurrency at a time, and
// prints a summary table. The exit code is 0 when every URL answered.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Semaphore, TimeoutError, createTask, gather, openConnection, timeout, type StreamWriter } from '../index.js';

const USAGE = `usage: aiots wget [options] URL...

Fetch the response headers of every URL at once (http and https).

options:
  -c, --concurrency N   at most N connections at a time (default 10)
  -t, --timeout S       seconds allowed per URL (default 30)
  -k, --insecure        accept any TLS certificate
  -h, --help            show this help`;

/** Options of {@link runWget}. */
export interface WgetOptions {
  readonly concurrency: number;
  /** Seconds per URL. */
  readonly timeout: number;
  readonly insecure: boolean;
}

/** One row of the summary. */
export interface WgetResult {
  readonly url: string;
  /** The status line, e.g. `HTTP/1.1 200 OK`, or '' on error. */
  readonly status: string;
  /** Seconds from the start of this URL's fetch to the end of its headers (or the error). */
  readonly seconds: number;
  /** Bytes of the status line and headers, blank line included. */
  readonly headerBytes: number;
  /** What went wrong, or '' when the headers arrived. */
  readonly error: string;
}

/** Where {@link runWget} writes: `tty` turns the progress bar on. */
export interface WgetOutput {
  write(text: string): void;
  readonly tty: boolean;
}

/** The header block may not grow past this (a hostile server cannot exhaust memory). */
const MAX_HEADER_BYTES = 1 << 20;

/** Fetch every URL's headers, writing progress (on a TTY) and the table to `out`; returns the rows in URL order. */
export async function runWget(urls: readonly string[], options: WgetOptions, out: WgetOutput): Promise<WgetResult[]> {
  const sem = new Semaphore(options.concurrency);
  const bar = out.tty ? new ProgressBar(out, urls.length) : undefined;
  bar?.draw();
  const tasks = urls.map((url) => createTask(async () => {
    await sem.acquire();
    try {
      return await fetchHeaders(url, options);
    } finally {
      sem.release();
      bar?.tick();
    }
  }, { name: `wget ${url}` }));
  const rows = await gather(...tasks);
  bar?.clear();
  out.write(table(rows));
  return rows;
}

async function fetchHeaders(url: string, options: WgetOptions): Promise<WgetResult> {
  const t0 = performance.now();
  let status = '';
  let headerBytes = 0;
  let error = '';
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported scheme ${u.protocol} (http or https only)`);
    const tls = u.protocol === 'https:';
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    const port = u.port === '' ? (tls ? 443 : 80) : Number(u.port);
    await timeout(options.timeout, async () => {
      const [reader, writer] = await openConnection(host, port, tls ? { ssl: options.insecure ? { rejectUnauthorized: false } : true } : {});
      try {
        writer.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUser-Agent: aiots-wget\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
        await writer.drain();
        for (;;) {
          const line = await reader.readline();
          if (line.length === 0) throw new Error(status === '' ? 'connection closed before a response' : 'connection closed in the headers');
          headerBytes += line.length;
          if (headerBytes > MAX_HEADER_BYTES) throw new Error(`headers larger than ${MAX_HEADER_BYTES} bytes`);
          const text = line.toString('latin1').trimEnd();
          if (status === '') {
            if (!text.startsWith('HTTP/')) throw new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 40))}`);
            status = text;
          } else if (text === '') {
            break;
          }
        }
      } finally {
        close(writer);
      }
    });
  } catch (e) {
    status = '';
    error = describeError(e, options.timeout);
  }
  return { url, status, seconds: (performance.now() - t0) / 1000, headerBytes: error === '' ? headerBytes : 0, error };
}

function close(writer: StreamWriter): void {
  // The body is not wanted: drop the connection rather than read it.
  writer.close();
  writer.transport.destroy();
}

function describeError(e: unknown, seconds: number): string {
  if (e instanceof TimeoutError) return `timed out after ${seconds} s`;
  if (e instanceof Error) {
    const code = (e as Error & { code?: unknown }).code;
    return typeof code === 'string' && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

class ProgressBar {
  readonly #out: WgetOutput;
  readonly #total: number;
  #done = 0;

  constructor(out: WgetOutput, total: number) {
    this.#out = out;
    this.#total = total;
  }

  tick(): void {
    this.#done++;
    this.draw();
  }

  draw(): void {
    const width = 30;
    const full = this.#total === 0 ? width : Math.round((this.#done / this.#total) * width);
    this.#out.write(`\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${this.#done}/${this.#total}`);
  }

  clear(): void {
    this.#out.write('\r\x1b[K');
  }
}

function table(rows: readonly WgetResult[]): string {
  const head = ['URL', 'STATUS', 'TIME', 'HEADER BYTES', 'ERROR'];
  const body = rows.map((r) => [r.url, r.status === '' ? '-' : r.status, `${r.seconds.toFixed(3)} s`, r.error === '' ? String(r.headerBytes) : '-', r.error]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const ok = rows.filter((r) => r.error === '').length;
  return `${[line(head), ...body.map(line)].join('\n')}\n\n${ok} of ${rows.length} succeeded\n`;
}

/** The `aiots wget` command; returns the exit code (0 all succeeded, 1 some failed, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        concurrency: { type: 'string', short: 'c', default: '10' },
        timeout: { type: 'string', short: 't', default: '30' },
        insecure: { type: 'boolean', short: 'k', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`aiots wget: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const concurrency = Number(values.concurrency);
  const seconds = Number(values.timeout);
  let problem = '';
  if (positionals.length === 0) problem = 'no URL given';
  else if (!Number.isInteger(concurrency) || concurrency < 1) problem = `--concurrency must be an integer >= 1, got ${JSON.stringify(values.concurrency)}`;
  else if (!Number.isFinite(seconds) || seconds <= 0) problem = `--timeout must be a number of seconds > 0, got ${JSON.stringify(values.timeout)}`;
  if (problem !== '') {
    process.stderr.write(`aiots wget: ${problem}\n${USAGE}\n`);
    return 2;
  }
  const out: WgetOutput = { write: (s) => process.stdout.write(s), tty: process.stdout.isTTY === true };
  const rows = await runWget(positionals, { concurrency, timeout: seconds, insecure: values.insecure }, out);
  return rows.every((r) => r.error === '') ? 0 : 1;
}

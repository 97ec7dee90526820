/**
 * The access log, in aiohttp's format language (Apache's):
 * `%a %t "%r" %s %b "%{Referer}i" "%{User-Agent}i"` by default. The format
 * is compiled once into a list of functions.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamResponse } from './response.js';

/** Where access log lines go: a function, or a logger with `info` (such as `console`). */
export type AccessLogSink = ((line: string) => void) | { info(line: string): void };

/** aiohttp's default format. */
export const DEFAULT_ACCESS_LOG_FORMAT = '%a %t "%r" %s %b "%{Referer}i" "%{User-Agent}i"';

/** @internal What one log line is made from. */
export interface AccessEntry {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly response: StreamResponse;
  readonly status: number;
  readonly bodyLength: number;
  /** performance.now() at the start, when the format needs it. */
  readonly start: number;
}

type Part = string | ((e: AccessEntry) => string);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// `[10/Oct/2000:13:55:36 -0700]` in local time, as aiohttp's `%t`; a line
// per request asks for the same second many times, so the last one is kept.
let clfSecond = -1;
let clfText = '';

function clf(): string {
  const ms = Date.now();
  const second = Math.floor(ms / 1000);
  if (second !== clfSecond) {
    const d = new Date(ms);
    const off = -d.getTimezoneOffset();
    const abs = Math.abs(off);
    const zone = `${off < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
    clfText = `[${pad(d.getDate())}/${MONTHS[d.getMonth()] as string}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}]`;
    clfSecond = second;
  }
  return clfText;
}

function headerValue(v: string | string[] | number | undefined): string {
  return v === undefined ? '-' : Array.isArray(v) ? v.join(', ') : String(v);
}

function responseHeader(e: AccessEntry, name: string): string {
  // Headers go out through writeHead's array, so the response object is where they are.
  if (name === 'content-type') return e.response.contentType ?? '-';
  if (name === 'content-length') return String(e.bodyLength);
  return headerValue(e.response._headersIfAny()?.getAll(name).join(', ') || undefined);
}

/** @internal A compiled format and its sink. */
export class AccessLogger {
  readonly #parts: Part[];
  readonly #write: (line: string) => void;
  /** True when the format needs the request's start time (%T, %Tf, %D). */
  readonly needsTime: boolean;

  constructor(sink: AccessLogSink, format: string) {
    if (typeof format !== 'string') throw new TypeError(`accessLogFormat must be a string, got ${typeof format}`);
    if (typeof sink === 'function') this.#write = sink;
    else if (typeof sink === 'object' && sink !== null && typeof sink.info === 'function') this.#write = sink.info.bind(sink);
    else throw new TypeError('accessLog must be a function, an object with info(), or null');
    const parts: Part[] = [];
    let needsTime = false;
    const re = /%(\{([^}]*)\}([io])|Tf|[atPrsbTD%])/g;
    let last = 0;
    for (let m = re.exec(format); m !== null; m = re.exec(format)) {
      if (m.index > last) parts.push(format.slice(last, m.index));
      last = re.lastIndex;
      const tok = m[1] as string;
      if (m[2] !== undefined) {
        const name = m[2].toLowerCase();
        parts.push(m[3] === 'i' ? (e) => headerValue(e.req.headers[name]) : (e) => responseHeader(e, name));
        continue;
      }
      switch (tok) {
        case 'a': parts.push((e) => e.req.socket.remoteAddress ?? '-'); break;
        case 't': parts.push(clf); break;
        case 'P': parts.push(`<${process.pid}>`); break;
        case 'r': parts.push((e) => `${e.req.method ?? '-'} ${e.req.url ?? '-'} HTTP/${e.req.httpVersion}`); break;
        case 's': parts.push((e) => String(e.status)); break;
        case 'b': parts.push((e) => String(e.bodyLength)); break;
        case 'T': needsTime = true; parts.push((e) => String(Math.round((performance.now() - e.start) / 1000))); break;
        case 'Tf': needsTime = true; parts.push((e) => ((performance.now() - e.start) / 1000).toFixed(6)); break;
        case 'D': needsTime = true; parts.push((e) => String(Math.round((performance.now() - e.start) * 1000))); break;
        default: parts.push('%');
      }
    }
    if (last < format.length) parts.push(format.slice(last));
    this.#parts = parts;
    this.needsTime = needsTime;
  }

  /** Write one line. A failing sink must not break serving. */
  log(entry: AccessEntry): void {
    let line = '';
    for (const p of this.#parts) line += typeof p === 'string' ? p : p(entry);
    try {
      this.#write(line);
    } catch {
      // The sink is the user's; an access log error is not a request error.
    }
  }
}

/** @internal The default sink: one line on stdout. */
export function stdoutSink(line: string): void {
  process.stdout.write(`${line}\n`);
}

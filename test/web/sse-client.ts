// A small server-sent events reader over undici for the tests (Node has no
// EventSource without a flag): the parsing rules of the HTML standard's
// "event stream interpretation", enough to check what aiots sends.
import { request } from 'undici';

/** One dispatched event, or a comment line. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string;
  readonly retry: number | null;
}

/** A stream being read: events as they come, comments seen, and a way to hang up. */
export interface SseStream {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly status: number;
  readonly comments: string[];
  next(): Promise<SseEvent | null>;
  close(): void;
}

/** Open `url` and parse the events it sends. */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const ac = new AbortController();
  const r = await request(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const comments: string[] = [];
  const it = r.body[Symbol.asyncIterator]();
  let buf = '';
  let lastId = '';
  const next = async (): Promise<SseEvent | null> => {
    let event = '';
    let data: string[] = [];
    let retry: number | null = null;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buf);
      if (m === null) {
        let chunk: IteratorResult<Buffer>;
        try {
          chunk = await it.next();
        } catch {
          return null;
        }
        if (chunk.done === true) return null;
        buf += chunk.value.toString('utf8');
        continue;
      }
      const line = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      if (line === '') {
        if (data.length === 0 && event === '') continue;
        const out = { event: event || 'message', data: data.join('\n'), id: lastId, retry };
        event = '';
        data = [];
        retry = null;
        return out;
      }
      if (line.startsWith(':')) {
        comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') lastId = value;
      else if (field === 'retry') retry = Number(value);
    }
  };
  return { headers: r.headers, status: r.statusCode, comments, next, close: () => ac.abort() };
}

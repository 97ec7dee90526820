// jsfuzz target: the router's pattern compiler and matcher. The input's first
// line is a route path, the rest a request path. A crash is any error other
// than the SyntaxError/TypeError a bad route path is documented to raise, or
// a router lookup that disagrees with the compiled regex run by hand.
import { compilePattern } from '../../../src/web/router/pattern.js';
import { literalMatchForm, matchPathOf } from '../../../src/web/router/path-encoding.js';
import { UrlDispatcher } from '../../../src/web/router/url-dispatcher.js';
import type { MatchSink } from '../../../src/web/router/url-dispatcher.js';
import { unescapeSafe } from '../../../src/web/router/resources.js';
import { Response } from '../../../src/web/response.js';

const handler = async (): Promise<Response> => new Response();

export function fuzz(buf: Buffer): void {
  const text = buf.toString('utf8');
  const nl = text.indexOf('\n');
  const route = '/' + (nl === -1 ? text : text.slice(0, nl));
  const request = '/' + (nl === -1 ? '' : text.slice(nl + 1));
  checkRoute(route, request);
}

export function checkRoute(route: string, request: string): void {
  let compiled;
  try {
    compiled = compilePattern('fuzz', route, (l) => literalMatchForm('fuzz', l));
  } catch (e) {
    if (e instanceof SyntaxError) return;
    throw e;
  }
  const router = new UrlDispatcher();
  router.addRoute('GET', route, handler);
  const path = matchPathOf(request);
  if (path === null) return;
  const sink: MatchSink = { params: {}, allowed: null, router };
  const found = router._resolve('GET', path, sink);
  // A plain resource (no braces) compares the path as a string; a dynamic one
  // must agree with its own regex, whichever matcher (steps or regex) it uses.
  const dynamic = route.includes('{');
  const m = dynamic ? compiled.regex.exec(path) : null;
  const expected = dynamic
    ? (m === null ? null : Object.fromEntries(compiled.names.map((n, i) => [n, unescapeSafe(m.groups?.[`__${i}`] ?? '')])))
    : undefined;
  if (dynamic) {
    const got = found === null ? null : sink.params;
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      throw new Error(`router and regex disagree on ${JSON.stringify(route)} ${JSON.stringify(path)}: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`);
    }
  }
  if (found !== null) {
    // urlFor with what was matched must lead back to the same parameters.
    let url: string;
    try {
      url = found.resource.urlFor(dynamic ? sink.params : undefined);
    } catch (e) {
      if (e instanceof RangeError) return;
      throw e;
    }
    const back = matchPathOf(url);
    if (back === null) throw new Error(`urlFor gave an undecodable path ${JSON.stringify(url)} for ${JSON.stringify(route)}`);
    const sink2: MatchSink = { params: {}, allowed: null, router };
    if (router._resolve('GET', back, sink2) === null) throw new Error(`urlFor(${JSON.stringify(sink.params)}) of ${JSON.stringify(route)} = ${JSON.stringify(url)} does not match it`);
  }
}

// `trustEnv: true`: the proxy of a request from HTTP_PROXY / HTTPS_PROXY /
// NO_PROXY (lower-case names first); of a WebSocket from WS_PROXY / WSS_PROXY
// (aiohttp's names), else the http(s) ones (undici's, whose ws: is http:), with undici's EnvHttpProxyAgent's rules
// (a NO_PROXY entry matches the host and its subdomains, `host:port` only that
// port, `*` everything), and proxy credentials from the netrc when the URL
// has none, as aiohttp's `proxies_from_env`.
import type { Netrc } from './netrc.js';
import { netrcAuthorization } from './netrc.js';
import { toProxy, type ProxyChoice } from './proxy.js';

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };
const NAMES: Readonly<Record<string, readonly string[]>> = {
  'http:': ['HTTP_PROXY'],
  'https:': ['HTTPS_PROXY', 'HTTP_PROXY'],
  'ws:': ['WS_PROXY', 'HTTP_PROXY'],
  'wss:': ['WSS_PROXY', 'HTTPS_PROXY', 'HTTP_PROXY'],
};

function env(name: string): string | undefined {
  const v = process.env[name.toLowerCase()] ?? process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

function bypassed(u: URL, noProxy: string): boolean {
  const host = u.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(u.port, 10) || DEFAULT_PORTS[u.protocol] || 0;
  for (const raw of noProxy.split(/[,\s]/)) {
    if (raw === '') continue;
    if (raw === '*') return true;
    const m = /^(.+):(\d+)$/.exec(raw);
    const name = (m === null ? raw : (m[1] as string)).replace(/^\*?\./, '').toLowerCase();
    if (m !== null && Number(m[2]) !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** @internal The proxy the environment names for `u`, or null. */
export function proxyFromEnv(where: string, u: URL, netrc: Netrc | null): ProxyChoice | null {
  let value: string | undefined;
  for (const name of NAMES[u.protocol] ?? []) if ((value = env(name)) !== undefined) break;
  if (value === undefined) return null;
  const noProxy = env('NO_PROXY');
  if (noProxy !== undefined && bypassed(u, noProxy)) return null;
  const choice = toProxy(where, value, null);
  if (choice === null || choice.authorization !== undefined) return choice;
  const auth = netrcAuthorization(netrc, choice.url.hostname);
  return auth === undefined ? choice : { url: choice.url, authorization: auth };
}

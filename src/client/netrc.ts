/**
 * `~/.netrc` (or the file named by `NETRC`), read when a session has
 * `trustEnv: true`, as aiohttp's `netrc_from_env`: the credentials of a
 * `machine` (or the `default` entry) for the proxy and for the request.
 * @module
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** @internal One entry of a netrc file. */
export interface NetrcEntry {
  readonly login: string;
  readonly password: string;
}

/** @internal A parsed netrc: entries by machine, and the `default` one. */
export interface Netrc {
  readonly machines: ReadonlyMap<string, NetrcEntry>;
  readonly fallback: NetrcEntry | null;
}

/** @internal Parse netrc text (tokens split by white space; `macdef` bodies skipped; `#` comments). */
export function parseNetrc(text: string): Netrc {
  const machines = new Map<string, NetrcEntry>();
  let fallback: NetrcEntry | null = null;
  const lines = text.split(/\r?\n/);
  const tokens: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^\s*#/.test(line)) continue;
    const words = line.split(/\s+/).filter((w) => w !== '');
    if (words[0] === 'macdef') {
      // A macro runs up to the next empty line.
      while (i + 1 < lines.length && (lines[i + 1] as string).trim() !== '') i++;
      continue;
    }
    tokens.push(...words);
  }
  let current: { name: string | null; login: string; account: string | null; password: string } | null = null;
  const flush = (): void => {
    if (current === null) return;
    // As Python's netrc and aiohttp: the login, else the account.
    const entry = { login: current.login !== '' || current.account === null ? current.login : current.account, password: current.password };
    if (current.name === null) fallback = entry;
    else if (!machines.has(current.name)) machines.set(current.name, entry);
    current = null;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t === 'machine') {
      flush();
      current = { name: tokens[++i] ?? '', login: '', account: null, password: '' };
    } else if (t === 'default') {
      flush();
      current = { name: null, login: '', account: null, password: '' };
    } else if (current !== null && (t === 'login' || t === 'password' || t === 'account')) {
      const v = tokens[++i] ?? '';
      if (t === 'login') current.login = v;
      else if (t === 'password') current.password = v;
      else current.account = v;
    }
  }
  flush();
  return { machines, fallback };
}

/** @internal The netrc of the environment, or null when there is none (or it cannot be read). */
export function netrcFromEnv(): Netrc | null {
  const path = process.env.NETRC ?? join(homedir(), process.platform === 'win32' ? '_netrc' : '.netrc');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  return parseNetrc(text);
}

/** @internal A Basic `Authorization` value for `host` from `netrc`, or undefined. */
export function netrcAuthorization(netrc: Netrc | null, host: string): string | undefined {
  if (netrc === null) return undefined;
  const entry = netrc.machines.get(host) ?? netrc.fallback;
  if (entry === null || entry === undefined) return undefined;
  return `Basic ${Buffer.from(`${entry.login}:${entry.password}`, 'latin1').toString('base64')}`;
}

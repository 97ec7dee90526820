/**
 * The check every public options object goes through: a name aiots does not
 * know is a `TypeError` that names it, never an option silently ignored
 * (`{ ssl_context }` must not serve plain HTTP). Each module builds its set of
 * known names once, at load; the check itself is a `for...in` over the few
 * keys the caller passed, and the hint is only worked out when it throws.
 * @module
 */
import { describe } from './validate.js';

/** The names an options object may hold, built once per module. @internal */
export type KnownOptions = ReadonlySet<string>;

/** Python / aiohttp spellings whose aiots name is not just their camelCase. @internal */
export type OptionAliases = Readonly<Record<string, string>>;

/** A set of known option names (call it at module load, not per call). @internal */
export function knownOptions(...names: readonly string[]): KnownOptions {
  return new Set(names);
}

/**
 * Throw a `TypeError` when `options` is not an object, or holds a name not in
 * `known`. `undefined` options (and `undefined` values of known names) pass.
 * @param where the API, as it appears in messages: `'ClientSession.request()'`.
 * @internal
 */
export function checkOptions(where: string, options: unknown, known: KnownOptions, aliases?: OptionAliases): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  for (const name in options) {
    if (!known.has(name)) throw unknownOption(where, name, known, aliases);
  }
}

/** The error, with the aiots name when one can be told. @internal */
export function unknownOption(where: string, name: string, known: KnownOptions, aliases?: OptionAliases): TypeError {
  const hint = suggest(name, known, aliases);
  const tail = hint === undefined ? `; known options: ${[...known].sort().join(', ')}` : `; did you mean "${hint}"?`;
  return new TypeError(`${where}: unknown option ${JSON.stringify(name)}${tail}`);
}

/** The aiots name meant by `name`, if one can be told: an alias, its camelCase, or a close spelling. @internal */
export function suggest(name: string, known: KnownOptions, aliases?: OptionAliases): string | undefined {
  const alias = aliases !== undefined && Object.hasOwn(aliases, name) ? aliases[name] : undefined;
  if (alias !== undefined) return alias;
  const camel = toCamel(name);
  if (camel !== name && known.has(camel)) return camel;
  // A typo or a different case: the closest known name within two edits.
  const lower = camel.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === lower ? 0 : distance(lower, k.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  // Two edits of a two-letter name is any name: only hint where the name is long enough.
  return best !== undefined && (bestDistance === 0 || name.length > bestDistance * 2) ? best : undefined;
}

/** `client_max_size` → `clientMaxSize` (a leading or doubled `_` is kept). */
function toCamel(name: string): string {
  return name.replace(/(?<=[A-Za-z0-9])_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Levenshtein distance, giving up (returning `limit`) once it reaches `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return Math.min(prev[b.length] as number, limit);
}

/** `{ signal }`: the options of every awaitable that takes nothing else. @internal */
export const SIGNAL_ONLY: KnownOptions = knownOptions('signal');

// Compiles aiohttp's resource syntax (`/hello/{name}`, `/items/{id:\d+}`,
// `/files/{tail:.*}`) into one anchored regex, refusing patterns that V8's
// linear-time engine cannot run (their matching time would have no bound).
import { setFlagsFromString } from 'node:v8';

/** @internal One piece of a resource path: a literal or a parameter. */
export type PathPart = { readonly literal: string } | { readonly param: string; readonly slashes: boolean; readonly check: RegExp };

/** @internal */
export interface CompiledPattern {
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly parts: readonly PathPart[];
  /** The literal first segment (`hello` in `/hello/{name}`), or null when it has a parameter. */
  readonly firstSegment: string | null;
  /**
   * The same match without a regex, when every parameter is a plain
   * `{name}` that runs to the next `/` (or the end): literals to find with
   * `startsWith`, parameter names to cut up to the next slash. Null otherwise.
   */
  readonly steps: readonly MatchStep[] | null;
}

/** @internal A step of the regex-free matcher: a literal, or a parameter index. */
export type MatchStep = string | number;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_SEGMENT = '[^{}/]+';

/** @internal True when `path` has `{` (a dynamic resource). */
export function isDynamic(path: string): boolean {
  return path.includes('{') || path.includes('}');
}

/**
 * @internal Parse and compile; throws with a message naming `where` and the
 * path. `literalForm` maps the literal text between parameters (the router
 * gives it the matched form of percent-escapes) before it is matched.
 */
export function compilePattern(where: string, path: string, literalForm: (literal: string) => string = (s) => s): CompiledPattern {
  const parts: PathPart[] = [];
  const names: string[] = [];
  let src = '^';
  let i = 0;
  let literal = '';
  while (i < path.length) {
    const c = path[i] as string;
    if (c === '}') throw new SyntaxError(`${where}: unbalanced "}" in path ${JSON.stringify(path)}`);
    if (c !== '{') {
      literal += c;
      i++;
      continue;
    }
    // Braces may nest inside the regex (`{id:\d{1,3}}`): scan to the matching one.
    let depth = 1;
    let j = i + 1;
    for (; j < path.length && depth > 0; j++) {
      if (path[j] === '\\') j++;
      else if (path[j] === '{') depth++;
      else if (path[j] === '}') depth--;
    }
    if (depth !== 0) throw new SyntaxError(`${where}: unbalanced "{" in path ${JSON.stringify(path)}`);
    const inner = path.slice(i + 1, j - 1);
    const colon = inner.indexOf(':');
    const name = colon === -1 ? inner : inner.slice(0, colon);
    const re = colon === -1 ? DEFAULT_SEGMENT : inner.slice(colon + 1);
    if (!IDENT.test(name)) throw new SyntaxError(`${where}: parameter name ${JSON.stringify(name)} in ${JSON.stringify(path)} must be an identifier`);
    if (names.includes(name)) throw new SyntaxError(`${where}: parameter ${name} appears twice in ${JSON.stringify(path)}`);
    if (re === '') throw new SyntaxError(`${where}: empty regex for parameter ${name} in ${JSON.stringify(path)}`);
    if (re !== DEFAULT_SEGMENT) checkParamRegex(where, path, name, re);
    if (literal !== '') {
      literal = literalForm(literal);
      parts.push({ literal });
      src += escapeRegex(literal);
      literal = '';
    }
    const check = new RegExp(`^(?:${re})$`);
    parts.push({ param: name, slashes: re !== DEFAULT_SEGMENT && check.test('a/b'), check });
    src += `(?<__${names.length}>${re})`;
    names.push(name);
    i = j;
  }
  if (literal !== '') {
    literal = literalForm(literal);
    parts.push({ literal });
    src += escapeRegex(literal);
  }
  src += '$';
  const steps = plainSteps(parts);
  if (steps === null) enableLinearEngine();
  let regex: RegExp;
  try {
    regex = new RegExp(src);
  } catch (e) {
    throw new SyntaxError(`${where}: bad regex in path ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  if (steps === null && !linearOk(src)) throw new SyntaxError(`${where}: the regex of ${JSON.stringify(path)} cannot run on V8's linear-time engine, which bounds route matching on hostile paths`);
  const first = parts[0];
  let firstSegment: string | null = null;
  if (first !== undefined && 'literal' in first) {
    const end = first.literal.indexOf('/', 1);
    if (end !== -1) firstSegment = first.literal.slice(1, end);
  }
  return { regex, names, parts, firstSegment, steps };
}

/**
 * `[^{}/]+` ends where the next literal starts only when that literal begins
 * with `/` (or there is none): then the split is the regex's, with no
 * backtracking to emulate.
 */
function plainSteps(parts: readonly PathPart[]): MatchStep[] | null {
  const steps: MatchStep[] = [];
  let index = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as PathPart;
    if ('literal' in p) {
      steps.push(p.literal);
      continue;
    }
    if (p.check.source !== `^(?:${DEFAULT_SEGMENT})$`) return null;
    const next = parts[i + 1];
    if (next !== undefined && !('literal' in next && next.literal.startsWith('/'))) return null;
    steps.push(index++);
  }
  return steps;
}

let linearEngine = false;

/**
 * Route regexes run on V8's backtracking engine (fast on ordinary paths) with
 * its linear-time engine as the bound: past its backtrack budget a match
 * finishes there, with the same result. That only works for a regex the
 * linear engine can compile, so every route regex is also compiled once with
 * the `l` flag as a probe, and refused when that fails. Both flags apply to
 * regexes created after they are set: they are set before the first route
 * regex, and only when a route needs one.
 */
function enableLinearEngine(): void {
  if (linearEngine) return;
  linearEngine = true;
  setFlagsFromString('--enable-experimental-regexp-engine');
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
}

/** Check that the regex of parameter `name` compiles, and on the linear-time engine. */
function checkParamRegex(where: string, path: string, name: string, re: string): void {
  try {
    new RegExp(re);
  } catch (e) {
    throw new SyntaxError(`${where}: bad regex for parameter ${name} in ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  enableLinearEngine();
  if (!linearOk(`^(?:${re})$`)) {
    throw new SyntaxError(`${where}: the regex of parameter ${name} in ${JSON.stringify(path)} cannot run on V8's linear-time engine, which bounds route matching on hostile paths: ${whyNotLinear(re)}`);
  }
}

function linearOk(source: string): boolean {
  try {
    new RegExp(source, 'l');
    return true;
  } catch {
    return false;
  }
}

/** The likely reason V8's linear-time engine refused `re`, for the message. */
function whyNotLinear(re: string): string {
  if (/\\(?:[1-9]|k<)/.test(re)) return 'it uses a backreference';
  if (/\(\?[=!]/.test(re)) return 'it uses a lookahead assertion';
  if (/\(\?<[=!]/.test(re)) return 'it uses a lookbehind assertion (which this Node version cannot run in linear time)';
  return 'a repetition bound ({n} or {m,n}) above 16, or nested bounded repetitions whose bounds multiply past 16; split it ([0-9a-f]{16}[0-9a-f]{16} for [0-9a-f]{32}) or use + and check the length in the handler';
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Compiles aiohttp's resource syntax (`/hello/{name}`, `/items/{id:\d+}`,
// `/files/{tail:.*}`) into one anchored regex, refusing patterns whose
// matching time could blow up on hostile paths.
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
    checkSafeRegex(where, name, re);
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
  if (steps === null) enableLinearFallback();
  let regex: RegExp;
  try {
    regex = new RegExp(src);
  } catch (e) {
    throw new SyntaxError(`${where}: bad regex in path ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
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

let linearFallback = false;

/**
 * Several parameters in one segment (`{y}-{m}-{d}`: cubic) or an alternation
 * whose branches overlap (`(a|a)+`: exponential) backtrack badly on a path
 * built for it, and no syntax check catches every such case. V8 can finish a
 * regex that exceeds its backtrack budget on its linear-time engine, with the
 * same result; the flag applies to regexes created after it is set, so it is
 * set before the first route regex, and only when a route needs a regex.
 */
function enableLinearFallback(): void {
  if (linearFallback) return;
  linearFallback = true;
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
}

/**
 * Refuse what makes a backtracking engine exponential: a repeated group that
 * itself holds a repetition (`(a+)+`, `(\w*)*`, `(x|y+){2,}`), and
 * backreferences. Polynomial cases stay bounded by the 8 KiB path limit.
 */
function checkSafeRegex(where: string, name: string, re: string): void {
  try {
    new RegExp(re);
  } catch (e) {
    throw new SyntaxError(`${where}: bad regex for parameter ${name}: ${(e as Error).message}`);
  }
  const stack: boolean[] = [];
  let inner = false;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      const n = re[i + 1];
      if (n !== undefined && (/[1-9]/.test(n) || n === 'k')) throw new SyntaxError(`${where}: backreferences are not allowed in the regex of parameter ${name}`);
      i++;
    } else if (c === '(' && /^\(\?(?:=|!|<=|<!)/.test(re.slice(i, i + 4))) {
      // V8's linear-time engine cannot run lookarounds, so they would have no bound.
      throw new SyntaxError(`${where}: lookaround assertions are not allowed in the regex of parameter ${name}`);
    } else if (c === '[') {
      for (i++; i < re.length && re[i] !== ']'; i++) if (re[i] === '\\') i++;
    } else if (c === '(') {
      stack.push(inner);
      inner = false;
    } else if (c === ')') {
      const hadInner: boolean = inner;
      inner = (stack.pop() ?? false) || hadInner;
      if (hadInner && isRepeat(re, i + 1)) {
        throw new SyntaxError(`${where}: the regex of parameter ${name} repeats a group that itself repeats (${JSON.stringify(re)}); it could take exponential time`);
      }
    } else if (c === '*' || c === '+' || (c === '{' && isRepeat(re, i))) {
      inner = true;
    }
  }
}

function isRepeat(re: string, at: number): boolean {
  const c = re[at];
  if (c === '*' || c === '+') return true;
  if (c !== '{') return false;
  const m = /^\{(\d*)(,?)(\d*)\}/.exec(re.slice(at));
  if (m === null) return false;
  return m[2] === ',' ? m[3] === '' || Number(m[3]) > 1 : Number(m[1]) > 1;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

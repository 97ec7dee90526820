/**
 * Loading a TypeScript module for `aiots serve`: tsx when the user's project
 * has it, else Node's own type stripping where it is on, else a message that
 * says what to install.
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The extensions tsx loads; Node's type stripping loads the first three only (no JSX). */
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
const STRIPPABLE = new Set(['.ts', '.mts', '.cts']);
/** Node flags whose value names a module loaded before the main one (a loader). */
const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);
/** tsx or ts-node, by package name or by a path inside either package. */
const TS_LOADER = /(?:^|[\\/])(?:tsx|ts-node)(?:[\\/]|$)/;

/** Whether `file` (a path, or a package name) is a TypeScript file. */
export function isTypeScriptFile(file: string): boolean {
  return TS_EXTENSIONS.has(extname(file));
}

/** The modules given to Node's loader flags, in `execArgv` and in `NODE_OPTIONS`. */
function preloaded(): string[] {
  // NODE_OPTIONS is split on spaces: paths with spaces in it are rare, and a
  // miss only means tsx is registered a second time.
  const args = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/).filter(Boolean)];
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    if (eq > 0 && LOADER_FLAGS.has(a.slice(0, eq))) out.push(a.slice(eq + 1));
    else if (LOADER_FLAGS.has(a) && i + 1 < args.length) out.push(args[++i]!);
  }
  return out;
}

/** Node's type stripping: `'strip'` or `'transform'` where on (22.18+ and 23.6+ by default), else false. */
function nodeStripsTypes(): boolean {
  return Boolean((process.features as { typescript?: string | false }).typescript);
}

/** The path of tsx's main module (what `node --import tsx` loads), resolved from `dirs` in order, or null. */
function findTsx(dirs: readonly string[]): string | null {
  for (const dir of dirs) {
    try {
      return createRequire(join(dir, 'noop.js')).resolve('tsx');
    } catch {
      // Not installed there: try the next place.
    }
  }
  return null;
}

/**
 * Make the process able to import the TypeScript file `file`: nothing to do
 * when a TypeScript loader was given to Node (`--import tsx`); else tsx's
 * loader, resolved from the file's project or from `cwd` (never aiots's own:
 * the user's tsx and tsconfig apply), as `node --import tsx` would load it;
 * else Node's own type stripping, where it is on. Resolves to null when the
 * file can be imported, or to a message saying what to install.
 */
export async function prepareTypeScript(file: string, cwd: string): Promise<string | null> {
  if (preloaded().some((m) => TS_LOADER.test(m))) return null;
  const tsx = findTsx([dirname(file), cwd]);
  if (tsx !== null) {
    await import(pathToFileURL(tsx).href);
    return null;
  }
  const ext = extname(file);
  const strippable = STRIPPABLE.has(ext);
  if (strippable && nodeStripsTypes()) return null;
  const looked = [...new Set([dirname(file), cwd])].join(' and ');
  const why = strippable ? `Node ${process.versions.node} does not strip types here` : `Node's type stripping does not load ${ext} files`;
  const strip = strippable ? ', or run `node --experimental-strip-types node_modules/.bin/aiots serve ...` (Node 22.6+; on by default from 22.18 and 23.6)' : '';
  return `cannot load ${file}: TypeScript needs a loader, and tsx is not installed (looked from ${looked}) and ${why}. `
    + `Install tsx in your project (\`npm i -D tsx\`)${strip}, `
    + 'or build to JavaScript and serve the .js file';
}

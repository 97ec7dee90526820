// Where `execvp` would find a program: a name with a slash is a path (from
// cwd); any other name is looked up along PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** @internal The executable `program` names, or undefined when there is none. */
export function resolveProgram(program: string, pathEnv: string | undefined, cwd: string | undefined): string | undefined {
  const base = cwd ?? process.cwd();
  if (program.includes('/')) {
    const p = isAbsolute(program) ? program : resolve(base, program);
    return isExecutable(p) ? p : undefined;
  }
  for (const dir of (pathEnv ?? '/usr/bin:/bin').split(delimiter)) {
    const p = resolve(base, join(dir === '' ? '.' : dir, program));
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

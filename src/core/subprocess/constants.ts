/**
 * `PIPE`, `STDOUT`, `DEVNULL`: where a child's standard stream goes, as
 * `asyncio.subprocess` (same values as Python's `subprocess` module).
 * @module
 */

/** Connect the stream to a pipe: `proc.stdin` / `proc.stdout` / `proc.stderr`. */
export const PIPE = -1;
/** For `stderr` only: send it where `stdout` goes (the shell's `2>&1`). */
export const STDOUT = -2;
/** Connect the stream to `/dev/null`. */
export const DEVNULL = -3;

/**
 * Where one standard stream of the child goes: {@link PIPE}, {@link DEVNULL},
 * {@link STDOUT} (stderr only), a file descriptor of this process (an integer
 * >= 0), or `null`/omitted to share this process's own (as asyncio's `None`).
 */
export type StdioSpec = number | null;

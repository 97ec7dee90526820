// A protocol callback that throws is reported to the loop's exception handler
// with asyncio's words, and the transport is closed ("Fatal error:
// protocol.data_received() call failed." in asyncio).
import { report } from '../report.js';

/** @internal Report a failed protocol callback named `method`. */
export function reportCallback(method: string, exception: unknown, fatal: boolean): void {
  report({ message: fatal ? `Fatal error: protocol.${method}() call failed.` : `protocol.${method}() failed.`, exception });
}

/** @internal The warning asyncio logs for writes to a lost connection, given once per transport after this many. */
export const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** @internal Warn (once) that writes to a closed transport are being dropped. */
export function warnDroppedWrites(kind: string): void {
  process.emitWarning(`${kind}: ${LOG_THRESHOLD_FOR_CONNLOST_WRITES} writes after the connection was closed or lost were dropped (asyncio: "socket.send() raised exception.")`, {
    code: 'AIOTS_WRITE_AFTER_CLOSE',
  });
}

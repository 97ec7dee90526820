// The caller's AbortSignal, watched for many requests at once: one listener
// per signal, however many requests share it (a signal shared by hundreds of
// requests would otherwise trip MaxListenersExceededWarning). Each request
// stops watching when its exchange ends, so the listener goes with the last.

/** @internal What is told when a watched signal aborts. */
export interface SignalWatcher {
  handleEvent(): void;
}

const watchers = new WeakMap<AbortSignal, Set<SignalWatcher>>();

/** @internal */
export function watchSignal(signal: AbortSignal, w: SignalWatcher): void {
  let set = watchers.get(signal);
  if (set === undefined) {
    watchers.set(signal, (set = new Set()));
    signal.addEventListener('abort', onSignalAbort, { once: true });
  }
  set.add(w);
}

/** @internal */
export function unwatchSignal(signal: AbortSignal, w: SignalWatcher): void {
  const set = watchers.get(signal);
  if (set === undefined) return;
  set.delete(w);
  if (set.size === 0) {
    watchers.delete(signal);
    signal.removeEventListener('abort', onSignalAbort);
  }
}

function onSignalAbort(ev: Event): void {
  const signal = ev.target as AbortSignal;
  const set = watchers.get(signal);
  watchers.delete(signal);
  if (set !== undefined) for (const w of [...set]) w.handleEvent();
}

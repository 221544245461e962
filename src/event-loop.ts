/**
 * Long synchronous work chained through resolved promises (microtasks) never lets the event loop
 * run, so a signal (Ctrl-C, SIGTERM), a timer or a socket is not seen until it ends. The yielder
 * returns a promise of one event-loop turn (setImmediate) at most every `everyMs`, else undefined,
 * so a loop can `await yielder()` between its steps at the cost of one turn per interval.
 */
export function eventLoopYielder(everyMs = 50): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < everyMs) return undefined;
    last = now;
    return new Promise<void>((resolve) => setImmediate(resolve));
  };
}

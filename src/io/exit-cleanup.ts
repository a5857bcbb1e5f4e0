/**
 * Work to undo when the process ends, however it ends short of SIGKILL: normal exit, an uncaught error, or
 * SIGINT / SIGTERM / SIGHUP. The signal listeners exist only while something is registered, so outside a locked run
 * Ctrl-C keeps Node's default (immediate) behaviour. After cleaning up, a signal is raised again with the default
 * action restored, so the exit status still says which signal ended the process.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const cleanups = new Set<() => void>();

function runAll(): void {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      /* cleaning up must not stop the other clean-ups */
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  uninstall();
  // another listener (e.g. one restoring the terminal) may still want the signal; it then decides how to exit
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', runAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  process.off('exit', runAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Registers `cleanup` (synchronous, quick); returns the function that unregisters it without running it. */
export function onExit(cleanup: () => void): () => void {
  if (cleanups.size === 0) install();
  cleanups.add(cleanup);
  return () => {
    if (cleanups.delete(cleanup) && cleanups.size === 0) uninstall();
  };
}

/**
 * Work to undo when the process ends, however it ends short of SIGKILL: normal exit, an uncaught error, or
 * SIGINT / SIGTERM / SIGHUP. The listeners are installed with the first registration and stay until a signal comes:
 * removing them when the last clean-up is unregistered would drop a signal that arrived while JavaScript was busy
 * (Ctrl-C ignored). After cleaning up, the signal is raised again with Node's default action, so the process ends
 * and its exit status says which signal ended it; a listener of someone else's, if any, decides instead.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const cleanups = new Set<() => void>();
let installed = false;

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
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  installed = false;
  process.off('exit', runAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Registers `cleanup` (synchronous, quick); returns the function that unregisters it without running it. */
export function onExit(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}

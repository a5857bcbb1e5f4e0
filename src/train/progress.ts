import cliProgress from 'cli-progress';

/** Training progress: a live bar on a terminal, one plain line per report otherwise (logs, CI, pipes). */
export interface Progress {
  start(label: string, total: number): void;
  update(done: number, fields: Record<string, string>): void;
  stop(): void;
  log(line: string): void;
}

export function makeProgress(opts: { tty?: boolean; quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { start() {}, update() {}, stop() {}, log() {} };
  if (opts.tty ?? stream.isTTY) return barProgress(stream);
  return lineProgress(stream);
}

/** The escape sequences the bar's stop() writes: show the cursor, turn auto-wrap back on. */
export const SHOW_CURSOR = '\x1b[?25h';
export const WRAP_ON = '\x1b[?7h';

/**
 * The bar hides the cursor and turns auto-wrap off while it runs. Ctrl-C, a kill or an exit in the middle must
 * give the terminal back as it was: while a bar is up, SIGINT and SIGTERM stop it, restore the terminal and exit
 * with 128 + the signal's number (130, 143), as a shell expects. The training loop yields between batches so the
 * handler runs within one batch; a checkpoint write is synchronous, so the handler never lands inside one.
 */
function barProgress(stream: NodeJS.WriteStream): Progress {
  let bar: cliProgress.SingleBar | null = null;
  const finish = (): void => {
    if (bar === null) return;
    bar.stop();
    bar = null;
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
    process.removeListener('exit', onExit);
  };
  const onSignal = (code: number): void => {
    finish();
    stream.write('\n');
    process.exit(code);
  };
  const onSigint = (): void => onSignal(130);
  const onSigterm = (): void => onSignal(143);
  // an exit that skipped stop() (an error thrown mid-epoch) still restores the terminal
  const onExit = (): void => {
    if (bar === null) return;
    bar = null;
    stream.write(`${SHOW_CURSOR}${WRAP_ON}\n`);
  };
  return {
    start(label, total) {
      finish();
      bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {value}/{total} | {info} | ETA {eta_formatted}`,
          stream,
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigterm);
      process.on('exit', onExit);
      bar.start(total, 0, { info: '' });
    },
    update(done, fields) {
      bar?.update(done, { info: format(fields) });
    },
    stop: finish,
    log(line) {
      stream.write(`${line}\n`);
    },
  };
}

/** Without a terminal: about ten lines per epoch, each with the same fields as the bar. */
function lineProgress(stream: NodeJS.WriteStream): Progress {
  let label = '';
  let total = 0;
  let next = 0;
  let t0 = 0;
  return {
    start(l, n) {
      label = l;
      total = n;
      next = Math.max(1, Math.ceil(n / 10));
      t0 = performance.now();
    },
    update(done, fields) {
      if (done < next && done !== total) return;
      next = done + Math.max(1, Math.ceil(total / 10));
      const elapsed = (performance.now() - t0) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
      stream.write(`${label} ${done}/${total} | ${format(fields)} | ETA ${eta.toFixed(0)}s\n`);
    },
    stop() {},
    log(line) {
      stream.write(`${line}\n`);
    },
  };
}

function format(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k} ${v}`)
    .join(' | ');
}

/** Resolves on the event loop's next turn: signal handlers and timers queued during a long synchronous step run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

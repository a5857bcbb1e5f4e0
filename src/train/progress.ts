import cliProgress from 'cli-progress';
import { Eta } from './eta.js';
import { formatProgress, wrapLine } from './progress-line.js';

/**
 * Training and evaluation progress: a live bar fitted to the terminal's width (progress-line.ts) on a terminal, one
 * plain line per tenth of each epoch otherwise (logs, CI, pipes), nothing with `quiet`.
 */
export interface Progress {
  /**
   * A new bar of `total` units. A `transient` one (an evaluation) is cleared from the terminal when it stops and
   * is not written to a log.
   */
  start(label: string, total: number, o?: { transient?: boolean }): void;
  /** `done` units finished; `fields` are shown in their order and dropped by `FIELD_KEEP` when space is short. */
  update(done: number, fields: Record<string, string>): void;
  stop(): void;
  log(line: string): void;
}

export interface ProgressOptions {
  tty?: boolean;
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  /** Seconds on a monotonic clock (tests pass a fake one). */
  clock?: () => number;
}

export function makeProgress(opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const clock = opts.clock ?? (() => performance.now() / 1000);
  if (opts.quiet) return { start() {}, update() {}, stop() {}, log() {} };
  if (opts.tty ?? stream.isTTY) return barProgress(stream, clock);
  return lineProgress(stream, clock);
}

/** The width a bar is drawn to: the terminal's, or 80 columns when the terminal does not say. */
export function terminalWidth(stream: { columns?: number }): number {
  const columns = stream.columns;
  return columns !== undefined && columns > 0 ? columns : 80;
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
function barProgress(stream: NodeJS.WriteStream, clock: () => number): Progress {
  let bar: cliProgress.SingleBar | null = null;
  let eta = new Eta(0, 0);
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
    start(label, total, o = {}) {
      finish();
      eta = new Eta(total, clock());
      // redrawn on cli-progress's timer as well as on updates, so the ETA counts down during a long step
      const format = (_o: unknown, p: { value: number; total: number }, payload: { fields?: Record<string, string> }) =>
        formatProgress(
          { label, done: p.value, total: p.total, eta: eta.seconds(clock()), values: payload.fields ?? {}, bar: true },
          terminalWidth(stream),
        );
      bar = new cliProgress.SingleBar({ format, stream, hideCursor: true, clearOnComplete: o.transient === true });
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigterm);
      process.on('exit', onExit);
      bar.start(total, 0, { fields: {} });
    },
    update(done, fields) {
      eta.observe(done, clock());
      bar?.update(done, { fields });
    },
    stop: finish,
    log(line) {
      // at words, so that a long message (thresholds of many layers) does not run past the edge mid-word
      stream.write(`${wrapLine(line, terminalWidth(stream)).join('\n')}\n`);
    },
  };
}

/** Without a terminal: about ten lines per epoch, each with the same fields as the bar; evaluations stay quiet. */
function lineProgress(stream: NodeJS.WriteStream, clock: () => number): Progress {
  let label = '';
  let total = 0;
  let next = 0;
  let shown = false;
  let eta = new Eta(0, 0);
  return {
    start(l, n, o = {}) {
      label = l;
      total = n;
      next = Math.max(1, Math.ceil(n / 10));
      shown = o.transient !== true;
      eta = new Eta(n, clock());
    },
    update(done, fields) {
      const now = clock();
      eta.observe(done, now);
      if (!shown || (done < next && done !== total)) return;
      next = done + Math.max(1, Math.ceil(total / 10));
      const line = { label, done, total, eta: eta.seconds(now), values: fields, bar: false };
      stream.write(`${formatProgress(line, Number.POSITIVE_INFINITY)}\n`);
    },
    stop() {},
    log(line) {
      stream.write(`${line}\n`);
    },
  };
}

/** Resolves on the event loop's next turn: signal handlers and timers queued during a long synchronous step run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

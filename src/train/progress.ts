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

function barProgress(stream: NodeJS.WriteStream): Progress {
  let bar: cliProgress.SingleBar | null = null;
  return {
    start(label, total) {
      bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {value}/{total} | {info} | ETA {eta_formatted}`,
          stream,
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { info: '' });
    },
    update(done, fields) {
      bar?.update(done, { info: format(fields) });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
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

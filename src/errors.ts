/**
 * The one error type spikerep throws on purpose. `code` says what kind of problem it is, `path` names the
 * file or flag it came from, and `message` is one line a user can act on. The CLI prints exactly that line.
 */
export type ErrorCode =
  | 'E_ARG' // a bad argument to a function or a CLI flag
  | 'E_SHAPE' // tensor or file dimensions that do not fit
  | 'E_BACKEND' // a backend that is unknown or cannot start
  | 'E_IDX_MAGIC'
  | 'E_FORMAT' // a file that is not in the expected format
  | 'E_TRUNCATED'
  | 'E_CHECKSUM'
  | 'E_NOT_FOUND'
  | 'E_IO'
  | 'E_NAN' // NaN or Inf in data or in the loss
  | 'E_LABEL'
  | 'E_DOWNLOAD'
  | 'E_UNSUPPORTED'
  | 'E_TOO_LARGE'; // a file that declares more data than the memory budget allows

export class SpikerepError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  constructor(code: ErrorCode, message: string, path?: string) {
    // one line whatever a file or flag held: line breaks inside names and values are shown escaped
    super(
      (path !== undefined ? `${path}: ${message}` : message).replace(/\r?\n|\r/g, (m) =>
        JSON.stringify(m).slice(1, -1),
      ),
    );
    this.name = 'SpikerepError';
    this.code = code;
    this.path = path;
  }
}

export function isSpikerepError(e: unknown): e is SpikerepError {
  return e instanceof SpikerepError;
}

/** Throws E_ARG unless `ok`; used to validate public arguments at the API edge (never inside hot loops). */
export function check(ok: boolean, message: string, path?: string): asserts ok {
  if (!ok) throw new SpikerepError('E_ARG', message, path);
}

/**
 * The code a pool worker runs, as a string of plain JavaScript with no imports, so that Node's worker_threads and
 * a browser's Web Workers can both start it (platform.ts wraps it with the host's message plumbing).
 *
 * Protocol (all in the shared memory, see pool.ts): the worker sleeps on ctrl[GEN]; when the generation changes it
 * reads its slot — a function index, an argument count and float64 arguments — calls that export, then adds one to
 * ctrl[DONE] (or stores its index + 1 in ctrl[FAIL] if the call threw) and notifies. Function index −1 is "nothing
 * for you this round", −2 is "exit".
 */
export const GEN = 0;
export const DONE = 1;
export const FAIL = 2;
/** Bytes of the control header, then one slot per worker. */
export const CTRL_HEADER = 64;
export const SLOT_BYTES = 8 + 8 * 40;
export const MAX_ARGS = 40;
export const FN_IDLE = -1;
export const FN_EXIT = -2;

export const WORKER_MAIN = `
function workerMain(init, post) {
  const GEN = ${GEN}, DONE = ${DONE}, FAIL = ${FAIL};
  const memory = init.memory;
  const exportsOf = new WebAssembly.Instance(init.module, { env: { memory } }).exports;
  const fns = init.names.map((n) => exportsOf[n]);
  const ctrl = new Int32Array(memory.buffer, init.ctrl, ${CTRL_HEADER / 4});
  const slot = init.ctrl + ${CTRL_HEADER} + init.index * ${SLOT_BYTES};
  const head = new Int32Array(memory.buffer, slot, 2);
  const args = new Float64Array(memory.buffer, slot + 8, ${MAX_ARGS});
  let gen = Atomics.load(ctrl, GEN);
  post('ready');
  for (;;) {
    for (let spin = 0; spin < 4000 && Atomics.load(ctrl, GEN) === gen; spin++);
    if (Atomics.load(ctrl, GEN) === gen) Atomics.wait(ctrl, GEN, gen);
    const now = Atomics.load(ctrl, GEN);
    if (now === gen) continue;
    gen = now;
    const id = head[0];
    if (id === ${FN_EXIT}) return;
    if (id < 0) continue;
    const n = head[1];
    try {
      fns[id].apply(null, Array.prototype.slice.call(args, 0, n));
    } catch (e) {
      Atomics.store(ctrl, FAIL, init.index + 1);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}
`;

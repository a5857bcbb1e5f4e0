/**
 * The code a pool worker runs, as a string of plain JavaScript with no imports, so that Node's worker_threads and
 * a browser's Web Workers can both start it (platform.ts wraps it with the host's message plumbing).
 *
 * Protocol (all in the shared memory, see pool.ts): the worker sleeps on ctrl[GEN]; when the generation changes it
 * reads its slot — a head of int32 (function index, argument count, mode, chunks, units, align, total) and float64
 * arguments, the last one its scratch address — and calls the export on chunks of [0, total): in static mode only
 * chunk index + 1 (part 0 is the main thread's), in dynamic mode whichever chunks it claims from ctrl[NEXT], so a
 * thread slowed by other load simply takes fewer. Then it adds one to ctrl[DONE] (or stores its index + 1 in
 * ctrl[FAIL] if a call threw) and notifies. Function index −1 is "nothing for you this round", −2 is "exit".
 */
export const GEN = 0;
export const DONE = 1;
export const FAIL = 2;
export const NEXT = 3;
/** Bytes of the control header, then one slot per worker: an int32 head, then float64 arguments. */
export const CTRL_HEADER = 64;
export const HEAD_INTS = 8;
export const MAX_ARGS = 40;
export const SLOT_BYTES = HEAD_INTS * 4 + 8 * MAX_ARGS;
export const MODE_STATIC = 0;
export const MODE_DYNAMIC = 1;
export const FN_IDLE = -1;
export const FN_EXIT = -2;

export const WORKER_MAIN = `
function workerMain(init, post) {
  const GEN = ${GEN}, DONE = ${DONE}, FAIL = ${FAIL}, NEXT = ${NEXT};
  const memory = init.memory;
  const exportsOf = new WebAssembly.Instance(init.module, { env: { memory } }).exports;
  const fns = init.names.map((n) => exportsOf[n]);
  const ctrl = new Int32Array(memory.buffer, init.ctrl, ${CTRL_HEADER / 4});
  const slot = init.ctrl + ${CTRL_HEADER} + init.index * ${SLOT_BYTES};
  const head = new Int32Array(memory.buffer, slot, ${HEAD_INTS});
  const args = new Float64Array(memory.buffer, slot + ${HEAD_INTS * 4}, ${MAX_ARGS});
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
    const n = head[1], dynamic = head[2] === ${MODE_DYNAMIC}, chunks = head[3], units = head[4], align = head[5];
    const total = head[6];
    const call = Array.prototype.slice.call(args, 0, n + 3);
    const scratch = args[n];
    call[n + 2] = scratch;
    const run = (c) => {
      call[n] = Math.min(total, Math.floor((c * units) / chunks) * align);
      call[n + 1] = Math.min(total, Math.floor(((c + 1) * units) / chunks) * align);
      fns[id].apply(null, call);
    };
    try {
      if (!dynamic) run(init.index + 1);
      else for (let c = Atomics.add(ctrl, NEXT, 1); c < chunks; c = Atomics.add(ctrl, NEXT, 1)) run(c);
    } catch (e) {
      Atomics.store(ctrl, FAIL, init.index + 1);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}
`;

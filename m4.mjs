import { Worker } from 'node:worker_threads';
const sab = new SharedArrayBuffer(16);
const flag = new Int32Array(sab);
const data = new Float32Array(new SharedArrayBuffer(4*4));
const w = new Worker(new URL('./w.mjs', import.meta.url), { workerData: { sab, d: data.buffer } });
await new Promise((r) => setTimeout(r, 1500));
w.postMessage('go');
console.log('posted');
Atomics.wait(flag, 0, 0, 10000);
console.log(Array.from(data));
for (let i = 0; i < 20; i++) {
  Atomics.store(flag, 0, 0);
  const t = performance.now();
  w.postMessage('go');
  Atomics.wait(flag, 0, 0, 10000);
  if (i > 15) console.log('roundtrip', (performance.now() - t).toFixed(3));
}
await w.terminate();
console.log('terminated');

/** The device thread's entry in Node (worker_threads): dawn.node from the optional `webgpu` package. */
import { parentPort, workerData } from 'node:worker_threads';
import { deviceThread } from './device-thread.js';
import type { DeviceInit, DeviceReady } from './protocol.js';

const port = parentPort!;
const init = workerData as DeviceInit;
const say = (m: DeviceReady): void => port.postMessage(m);

type DawnNode = { create(flags: string[]): GPU; globals: object };
let dawn: DawnNode | null = null;
try {
  dawn = (await import('webgpu')) as unknown as DawnNode;
} catch {
  say({ ok: false, reason: 'the optional package "webgpu" is not installed (npm install webgpu)' });
}
if (dawn !== null) {
  Object.assign(globalThis, dawn.globals);
  // dawn.node must outlive its devices: a GPU object that is collected takes the process down
  const gpu = dawn.create([...init.flags]);
  (globalThis as { spikerepGpu?: GPU }).spikerepGpu = gpu;
  try {
    await deviceThread(gpu, init, say, (onFlush) => port.on('message', onFlush));
  } catch (e) {
    say({ ok: false, reason: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
  }
}

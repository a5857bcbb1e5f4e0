/** The demo's GPU device thread (gpu-worker.js): the webgpu backend's browser device worker, bundled on its own. */
import { startDeviceWorker } from '../../kernels/webgpu/device-worker-browser.js';

startDeviceWorker();

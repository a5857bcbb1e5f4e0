/**
 * The GPU check (scripts/gpu-check.sh runs the compiled dist/bench/gpu-check-main.js): opens the webgpu backend on
 * the best adapter (high-performance first, so a GPU wins over Mesa's lavapipe; --adapter picks one by name),
 * refuses a software adapter unless --allow-software, measures gpu-check.ts's figures and prints them as ONE JSON
 * object on stdout. Progress goes to stderr; a run that cannot start says why in one line and exits 1.
 */
import { parseArgs } from 'node:util';
import { SpikerepError } from '../errors.js';
import { createWebGpuKernels, type WebGpuKernels } from '../kernels/webgpu/index.js';
import { adapterName } from './adapter-name.js';
import { FULL_SIZES, gpuCheck, QUICK_SIZES } from './gpu-check.js';
import { vulkanHint } from './vulkan-setup.js';

const USAGE = 'bash scripts/gpu-check.sh [--quick] [--allow-software] [--adapter <name>]';
const HELP = `usage: ${USAGE}
  --quick           tiny sizes: shows that every piece runs, in seconds; the figures mean nothing
  --allow-software  run on a software adapter (lavapipe) too, with the quick sizes
  --adapter <name>  the adapter whose name contains <name> (dawn.node's adapter= flag), e.g. H100
Prints one JSON object: adapter, gemm_4096_tflops, conv_passes_tflops {forward, input_grad, filter_grad},
train_resnet18_T5_images_per_s, train_mnistnet_T4_images_per_s, and the sizes they were measured at.`;

function fail(message: string, code = 1): never {
  process.stderr.write(`gpu-check: ${message}\n`);
  process.exit(code);
}

let args: { quick?: boolean; 'allow-software'?: boolean; adapter?: string; help?: boolean };
try {
  args = parseArgs({
    options: {
      quick: { type: 'boolean' },
      'allow-software': { type: 'boolean' },
      adapter: { type: 'string' },
      help: { type: 'boolean' },
    },
  }).values;
} catch (e) {
  fail(`${(e as Error).message.split('\n')[0]} (usage: ${USAGE})`, 2);
}
if (args.help === true) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
if (args.adapter === '') fail('--adapter: expected part of an adapter name, e.g. H100, got an empty string', 2);

const started = performance.now();
let k: WebGpuKernels;
try {
  k = await createWebGpuKernels({ flags: args.adapter === undefined ? [] : [`adapter=${args.adapter}`] });
} catch (e) {
  if (!(e instanceof SpikerepError)) throw e;
  const named = args.adapter === undefined ? '' : `; --adapter ${args.adapter}: no adapter's name contains it`;
  fail(`no usable WebGPU adapter (${e.message}${named}). ${vulkanHint()}`);
}
const software = k.adapter.fallback;
if (software && args['allow-software'] !== true) {
  k.close();
  fail(
    `the only WebGPU adapter is a software one, ${adapterName(k.adapter)}: its figures would mean nothing ` +
      `(--allow-software runs it with the quick sizes). ${vulkanHint()}`,
  );
}
const quick = args.quick === true || software;
const sizes = quick ? QUICK_SIZES : FULL_SIZES;
process.stderr.write(`gpu-check: ${adapterName(k.adapter)}${quick ? ', quick sizes' : ''}\n`);
const figures = gpuCheck(k, sizes, (what) => process.stderr.write(`gpu-check: ${what}…\n`));
k.close();

const round = (v: unknown): unknown =>
  typeof v === 'number'
    ? Number(v.toPrecision(4))
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([key, x]) => [key, round(x)]))
      : v;
const { errors, ...values } = figures;
const out = {
  adapter: adapterName(k.adapter),
  ...(round(values) as typeof values),
  ...(Object.keys(errors).length > 0 ? { errors } : {}),
  quick,
  sizes: {
    gemm: `${sizes.gemm}³`,
    conv: `batch ${sizes.conv.batch}, ${sizes.conv.inH}×${sizes.conv.inW}×${sizes.conv.inC} → ${sizes.conv.outC}, ${sizes.conv.kH}×${sizes.conv.kW} pad ${sizes.conv.padH}`,
    resnet18: sizes.resnet18,
    mnistnet: sizes.mnistnet,
  },
  seconds: Math.round((performance.now() - started) / 100) / 10,
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
process.exitCode = Object.keys(errors).length > 0 ? 1 : 0;

import { createKernels, disposeKernels, neuron, Rng, Builder, neuronSpec, Sequential, Network, sgd, trainStep, predict } from 'spikerep';

// The DSR-IF neuron as a function: 20 steps of a constant current 1.0, threshold 6, firing at α·Vth = 3.
const T = 20;
const { rate } = neuron.ifForward(new Float32Array(T).fill(1), T, { vth: 6, alpha: 0.5 });
console.log('IF rate', rate[0]); // 0.9: three spikes of magnitude 6 in 20 steps

// A small convolutional DSR-IF network for 28×28 grey images, run for T = 4 steps.
const k = await createKernels('wasm'); // or 'reference': the plain-TypeScript oracle
const b = new Builder(k, new Rng(0), neuronSpec('if')); // 'lif' | 'bptt' (surrogate BPTT) | 'ann' (clamp, T = 1)
const body = new Sequential([ // b.normed: a conv/linear and its batch-norm as one block
  b.normed(b.conv('conv1', 1, 16, 3), b.bn('bn1', 16)), b.neuron('sn1'), b.pool(2),
  b.flatten(), b.normed(b.linear('fc', 14 * 14 * 16, 10), b.bn('bn2', 10)), b.neuron('sn2'),
]);
const net = new Network({ k, T: 4, body, readout: b.readout(), inputShape: [28, 28, 1], classes: 10 });

const params = net.params(); // conv/linear weights and biases, BN affine, one threshold per neuron layer
const opt = sgd({ momentum: 0.9, weightDecay: 5e-4 });
let state = opt.init(params, k);
const rng = new Rng(1);
const x = { shape: [8, 28, 28, 1], data: k.alloc(8 * 28 * 28) }; // a batch of 8 images, channels-last
for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
const labels = Int32Array.from({ length: 8 }, (_, i) => i % 10);

const step = trainStep(net, params, opt, state, { x, labels }, 0.05, rng); // T steps, loss on rates, backward, SGD
state = step.state;
console.log('loss', step.loss.toFixed(3), 'thresholds', params.filter((p) => p.role === 'threshold').map((p) => p.value[0]));
console.log('logits', predict(net, x, rng).shape); // [8, 10]: output firing rates
disposeKernels(k);

/**
 * The PyTorch export's file format and layouts without PyTorch: safetensors bytes as the format defines them, bad
 * files refused in one line, and every model's tensors through the PyTorch layout and back unchanged, with the conv
 * and flatten reorderings checked element by element against their definitions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSafetensors, encodeSafetensors } from '../../src/export/safetensors.js';
import { loadTorchTensors, torchTensors } from '../../src/export/torch-layout.js';
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { networkTensors } from '../../src/nn/host-access.js';

test('safetensors: 8-byte little-endian header length, JSON header, 8-aligned little-endian float32 data', () => {
  const bytes = encodeSafetensors(
    [
      { name: 'a', shape: [2], data: Float32Array.of(1.5, -2) },
      { name: 'b.c', shape: [1, 1], data: Float32Array.of(0.25) },
    ],
    { format: 'test' },
  );
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0);
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  assert.deepEqual(header.a, { dtype: 'F32', shape: [2], data_offsets: [0, 8] });
  assert.deepEqual(header['b.c'], { dtype: 'F32', shape: [1, 1], data_offsets: [8, 12] });
  assert.deepEqual(header.__metadata__, { format: 'test' });
  assert.equal(bytes.readFloatLE(8 + n + 4), -2);
  assert.equal(bytes.length, 8 + n + 12);
  const back = decodeSafetensors(bytes, 'x.safetensors');
  assert.deepEqual(back.metadata, { format: 'test' });
  assert.deepEqual(Array.from(back.tensors.get('a')!.data), [1.5, -2]);
  assert.deepEqual(back.tensors.get('b.c')!.shape, [1, 1]);
});

test('safetensors: bad files give one line naming the file', () => {
  const good = encodeSafetensors([{ name: 'w', shape: [3], data: new Float32Array(3) }]);
  const header = (json: string): Buffer => {
    const h = Buffer.from(json);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    return Buffer.concat([len, h, Buffer.alloc(12)]);
  };
  for (const [bytes, pattern] of [
    [Buffer.alloc(4), /shorter than its 8-byte header length/],
    [good.subarray(0, 12), /header of \d+ bytes in a file of 12/],
    [header('{nope'), /the header is not JSON/],
    [header('{"w":{"dtype":"F16","shape":[3],"data_offsets":[0,6]}}'), /w has dtype F16/],
    [
      header('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}}'),
      /w's data_offsets do not hold 4 float32 values/,
    ],
    [header('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,12]}}'), /w has no valid shape/],
  ] as const) {
    assert.throws(
      () => decodeSafetensors(bytes, 'w.safetensors'),
      (e: Error) => pattern.test(e.message) && e.message.includes('w.safetensors') && !e.message.includes('\n'),
    );
  }
});

for (const [model, input] of [
  ['mnistnet', [12, 12, 1]],
  ['resnet18', [8, 8, 3]],
  ['vgg11', [32, 32, 2]],
] as const) {
  test(`${model}: every tensor to PyTorch's layout and back unchanged; conv and flatten orders as defined`, () => {
    const a = buildModel(reference, { model, input, classes: 10, neuron: 'if', T: 2, seed: 4 }).net;
    const b = buildModel(reference, { model, input, classes: 10, neuron: 'if', T: 2, seed: 5 }).net;
    const exported = torchTensors(a);
    loadTorchTensors(b, new Map(exported.map((t) => [t.name, t])), 'test');
    const bTensors = new Map(networkTensors(b).map((t) => [t.name, t.value]));
    for (const t of networkTensors(a)) assert.deepEqual(bTensors.get(t.name), t.value, t.name);
    for (const p of a.params()) {
      const t = exported.find((e) => e.name === p.name)!;
      if (p.shape.length === 4) {
        const [O, KH, KW, I] = p.shape as [number, number, number, number];
        assert.deepEqual(t.shape, [O, I, KH, KW]);
        const [o, y, x, i] = [O - 1, KH - 1, 0, I - 1];
        assert.equal(t.data[((o * I + i) * KH + y) * KW + x], p.value[((o * KH + y) * KW + x) * I + i]);
      }
    }
    // the linear after the flatten: spikerep column (h, w, c) is PyTorch column (c, h, w)
    const [name, H, W, C] =
      model === 'mnistnet'
        ? ['classifier.0.weight', 3, 3, 64]
        : model === 'vgg11'
          ? ['classifier.0.weight', 7, 7, 512]
          : ['linear.weight', 1, 1, 512];
    const p = a.params().find((q) => q.name === name)!;
    const t = exported.find((e) => e.name === name)!;
    const inF = H * W * C;
    const [o, h, w, c] = [9, H - 1, 0, C - 2];
    assert.equal(t.data[o * inF + (c * H + h) * W + w], p.value[o * inF + (h * W + w) * C + c]);
  });
}

test('loading tensors of another model: one line naming the missing tensor', () => {
  const net = buildModel(reference, { model: 'mnistnet', input: [12, 12, 1], classes: 10, neuron: 'if', T: 2 }).net;
  assert.throws(
    () => loadTorchTensors(net, new Map(), 'w.safetensors'),
    /w\.safetensors: has no tensor features\.0\.weight of 288 values for this model/,
  );
});

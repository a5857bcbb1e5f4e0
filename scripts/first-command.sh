#!/usr/bin/env bash
# The README's first command as a newcomer runs it: a fresh clone, `npm ci`, then `npx spikerep train` with no
# flags, timed (wall clock, data loading and evaluation included). Each run's printed result and wall time go to
# OUT/run-N.txt and a summary to OUT/summary.json.
#   bash scripts/first-command.sh [runs=3] [out=results/first-command] [repo=.]
set -euo pipefail
runs=${1:-3}
out=$(realpath -m "${2:-results/first-command}")
repo=$(realpath "${3:-.}")
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/spikerep"
cd "$work/spikerep"
commit=$(git rev-parse --short HEAD)
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "[" >"$out/summary.json.tmp"
for i in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  npx spikerep train >"$out/run-$i.txt" 2>&1
  end=$(date +%s%N)
  ms=$(((end - start) / 1000000))
  wall=$((ms / 1000)).$(printf %03d $((ms % 1000)))
  acc=$(grep -o '^test accuracy [0-9.]*%' "$out/run-$i.txt" | grep -o '[0-9.]*')
  echo "run $i: test accuracy $acc %, wall $wall s"
  echo "wall $wall s (commit $commit, $(nproc) cores, $(date -u +%FT%TZ))" >>"$out/run-$i.txt"
  sep=$([ "$i" -lt "$runs" ] && echo , || true)
  echo "  {\"run\": $i, \"commit\": \"$commit\", \"testAccuracyPercent\": $acc, \"wallSeconds\": $wall}$sep" >>"$out/summary.json.tmp"
done
echo "]" >>"$out/summary.json.tmp"
mv "$out/summary.json.tmp" "$out/summary.json"

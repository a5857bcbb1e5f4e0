#!/usr/bin/env bash
# The GPU check: GEMM 4096³ and conv-pass TFLOP/s and PreAct-ResNet-18 / MNIST-convnet training images/s on the
# webgpu backend, printed as ONE JSON object on stdout (progress on stderr). Under 5 minutes on an H100.
#   bash scripts/gpu-check.sh [--quick] [--allow-software] [--adapter <name>]     (--help says more)
# It runs this checkout's own build (npm run build:ts) where node_modules has `webgpu`, else gpu-bundle/
# (bash scripts/gpu-bundle.sh builds it for a machine with no network: carry it with the working tree).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main=dist/bench/gpu-check-main.js
if [ -f "$root/$main" ] && [ -f "$root/node_modules/webgpu/package.json" ]; then
  base="$root"
elif [ -f "$root/gpu-bundle/$main" ]; then
  base="$root/gpu-bundle"
else
  echo "gpu-check: neither $root/$main with node_modules/webgpu nor gpu-bundle/: run npm run build:ts, or bash scripts/gpu-bundle.sh and carry gpu-bundle/" >&2
  exit 1
fi
entry="$base/$main"
# a bundle built --with-node carries dawn.node gzipped
dawn="$base/node_modules/webgpu/dist/linux-x64/dawn.node"
if [ ! -f "$dawn" ] && [ -f "$dawn.gz" ]; then
  if ! { gzip -dc "$dawn.gz" >"$dawn.tmp" && mv "$dawn.tmp" "$dawn"; }; then
    echo "gpu-check: could not unpack $dawn.gz next to it (gzip, a writable folder)" >&2
    rm -f "$dawn.tmp"
    exit 1
  fi
fi

# Node ≥ 20: the machine's own, else the one the bundle carries (gpu-bundle.sh --with-node)
runs_node() { "$1" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; }
node_bin=""
tmp=""
if command -v node >/dev/null 2>&1 && runs_node node; then
  node_bin=node
elif [ -f "$base/node.gz" ]; then
  tmp="$(mktemp -d)"
  node_bin="$tmp/node"
  gzip -dc "$base/node.gz" >"$node_bin" && chmod +x "$node_bin"
  if ! runs_node "$node_bin"; then
    echo "gpu-check: the bundled node does not run here ($("$node_bin" --version 2>&1 | head -n 1)): install Node ≥ 20" >&2
    rm -rf "$tmp"
    exit 1
  fi
fi
if [ -z "$node_bin" ]; then
  found="$(node --version 2>/dev/null || echo none)"
  echo "gpu-check: Node ≥ 20 is missing on this machine (found: $found): install it, or carry a bundle built with bash scripts/gpu-bundle.sh --with-node" >&2
  exit 1
fi
status=0
"$node_bin" "$entry" "$@" || status=$?
[ -z "$tmp" ] || rm -rf "$tmp"
exit "$status"

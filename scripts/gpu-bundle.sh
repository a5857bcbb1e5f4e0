#!/usr/bin/env bash
# Builds gpu-bundle/: what scripts/gpu-check.sh and `spikerep bench --backend webgpu` need on a machine with no
# network, at most 64 MiB: the compiled package (dist/, bin/, recipes/, package.json) and a node_modules with only
# the CLI's runtime (commander, zod; JavaScript files only) and `webgpu` with its linux-x64 dawn.node alone.
#   bash scripts/gpu-bundle.sh [--with-node]
# --with-node also packs this machine's node binary, gzipped (node.gz), for a machine without Node ≥ 20, and
# gzips dawn.node too, to stay well under the limit; gpu-check.sh unpacks node into a temporary folder when it
# finds no node, and dawn.node in place. On the GPU machine, from the repo root with gpu-bundle/ carried along:
#   bash scripts/gpu-check.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
with_node=0
for arg in "$@"; do
  case "$arg" in
    --with-node) with_node=1 ;;
    --help)
      sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "gpu-bundle: unknown option $arg (usage: bash scripts/gpu-bundle.sh [--with-node])" >&2
      exit 2
      ;;
  esac
done
dawn=node_modules/webgpu/dist/linux-x64/dawn.node
if [ ! -f "$dawn" ]; then
  echo "gpu-bundle: $dawn is missing: install the dev dependencies (npm ci)" >&2
  exit 1
fi

npm run --silent build:ts
out=gpu-bundle
rm -rf "$out"
mkdir -p "$out/node_modules/webgpu/dist/linux-x64"
cp package.json "$out/"
cp -R dist bin recipes "$out/"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$out/node_modules/webgpu/"
cp "$dawn" "$out/node_modules/webgpu/dist/linux-x64/"
for pkg in commander zod; do
  cp -RL "node_modules/$pkg" "$out/node_modules/$pkg"
done
# type declarations, TypeScript sources and source maps are not run
find "$out/node_modules" \( -name '*.d.ts' -o -name '*.d.cts' -o -name '*.d.mts' -o -name '*.map' \) -delete
rm -rf "$out/node_modules/zod/src"
if [ "$with_node" = 1 ]; then
  gzip -9 -c "$(command -v node)" >"$out/node.gz"
  gzip -9 "$out/$dawn"
fi

bytes="$(du -sb "$out" | cut -f1)"
limit=$((64 * 1024 * 1024))
mib="$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')"
if [ "$bytes" -gt "$limit" ]; then
  echo "gpu-bundle: $out/ is $mib MiB, over the 64 MiB a device run carries" >&2
  exit 1
fi
echo "gpu-bundle: $out/ is $mib MiB (limit 64 MiB)$([ "$with_node" = 1 ] && echo ", node $(node --version) included")"

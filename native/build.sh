#!/bin/sh
# Builds the optional native backend (npm run build:native). Needs g++, make, python3 and Debian's
# libopenblas-dev and libdnnl-dev. Uses the headers installed next to this node when it has them (offline
# machines, Debian's nodejs); otherwise node-gyp downloads them.
set -e
cd "$(dirname "$0")"
prefix=$(dirname "$(dirname "$(node -p process.execPath)")")
nodedir=""
[ -f "$prefix/include/node/node_api.h" ] && nodedir="--nodedir=$prefix"
for h in /usr/include/dnnl.hpp /usr/include/x86_64-linux-gnu/cblas.h; do
  [ -f "$h" ] || echo "build:native: $h missing: sudo apt-get install -y libopenblas-dev libdnnl-dev" >&2
done
node-gyp rebuild --loglevel=warn $nodedir

#!/usr/bin/env bash
# Makes the synthetic spoken-digit set (scripts/spoken-digits.ts says what it holds; --help lists the options).
# Installs Debian's espeak-ng first when it is missing (with sudo unless already root).
set -euo pipefail
if ! command -v espeak-ng >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq espeak-ng >/dev/null
fi
cd "$(dirname "$0")/.."
exec node --import tsx scripts/spoken-digits.ts "$@"

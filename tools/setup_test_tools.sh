#!/usr/bin/env bash
# Tools the test suite uses beyond Python packages. Idempotent; each step is skipped, with a message,
# where the machine cannot provide it (the tests that need it then say so).
set -euo pipefail
cd "$(dirname "$0")/.."

# Khronos glTF-Validator (npm) checks every GLB we export.
if command -v npm >/dev/null 2>&1; then
  if [ ! -f .cache/npm/node_modules/gltf-validator/package.json ]; then
    mkdir -p .cache/npm
    npm install --silent --no-audit --no-fund --prefix .cache/npm gltf-validator >/dev/null
  fi
  echo "gltf-validator: $(node -e 'console.log(require("./.cache/npm/node_modules/gltf-validator/package.json").version)')"
else
  echo "gltf-validator: skipped (no npm on this machine)"
fi

# Headless Chromium (Debian) for the studio's browser test, driven by Playwright's Python API.
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium: skipped (not installed and no root apt-get here)"
  fi
fi
command -v chromium >/dev/null 2>&1 && echo "chromium: $(chromium --version 2>/dev/null | head -1)"
exit 0

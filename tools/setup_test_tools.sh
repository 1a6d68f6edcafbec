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

# Valentina (Debian) writes the flat, AAMA and ASTM DXF files the pattern import is tested against
# (tests/pattern/test_dxf_valentina.py exports its shipped samples headless; with CI set, missing it fails).
if ! command -v valentina >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valentina; } >/dev/null \
      || echo "valentina: apt-get install failed (the Valentina DXF tests will skip, or fail on CI)"
  else
    echo "valentina: skipped (not installed and no root apt-get here)"
  fi
fi
command -v valentina >/dev/null 2>&1 && echo "valentina: $(dpkg-query -W -f='${Version}' valentina 2>/dev/null)"

# PostgreSQL (Debian) for the designs database tests: they start a throw-away server with initdb/pg_ctl
# (as 'nobody' when run as root) on a free port of 127.0.0.1. SQLite is tested everywhere regardless.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >/dev/null \
      || echo "postgresql: apt-get install failed (the PostgreSQL tests will skip)"
  else
    echo "postgresql: skipped (not installed and no root apt-get here; the PostgreSQL tests will skip)"
  fi
fi
initdb_bin=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
[ -n "$initdb_bin" ] && echo "postgresql: $("$initdb_bin" --version)"
exit 0

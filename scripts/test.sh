#!/usr/bin/env bash
# Run sarhad's whole test suite on a fresh machine: make the virtualenv if needed, install
# sarhad with its test tools, install Debian's chromium for the browser tests, check style and
# types (ruff, mypy), run pytest (fast and slow tiers).
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -m "not slow" -x
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian chromium + chromium-driver for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        chromium chromium-driver >/dev/null) || echo "warning: chromium install failed"
  else
    echo "note: chromium not installed and not root; browser tests will be skipped locally"
  fi
fi

# style and types first: ruff and mypy must stay clean (DESIGN.md section 8)
.venv/bin/ruff check src tests
.venv/bin/mypy src

exec .venv/bin/python -m pytest "$@"

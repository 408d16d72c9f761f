#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine:
# Python packages and Debian's chromium (browser tests). The map's JavaScript,
# CSS and base map ship with the app (static/): nothing else is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will fail" >&2
  else
    echo "warning: chromium missing and not root; install Debian's chromium for the browser tests" >&2
  fi
fi

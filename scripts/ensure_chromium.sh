#!/usr/bin/env bash
# Make sure Debian's headless Chromium is on the machine for the browser test (and for rendering
# the performance pack's HTML to PNG). Installs the Debian packages when missing (root only); the
# tests download no browser. Prints the path of the chromium binary.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >&2
  else
    echo "Chromium not found at /usr/bin/chromium and not root: cannot install (apt-get install chromium)" >&2
    exit 1
  fi
fi
echo /usr/bin/chromium

#!/usr/bin/env bash
# The browser tests drive Debian's chromium (never a browser download). CI machines start clean and run as root,
# so install it from apt when it is missing; anywhere it is already there this does nothing.
set -euo pipefail
CHROMIUM="${CONCORD_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium is missing at $CHROMIUM: install it (apt-get install chromium) or set CONCORD_CHROMIUM" >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

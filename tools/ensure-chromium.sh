#!/bin/sh
# The dashboard test drives Debian's `chromium` headless; install it once when it is missing.
set -eu
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "[continuum] $CHROMIUM is missing and installing it needs root:" >&2
    echo "[continuum]   sudo apt-get update && sudo apt-get install -y chromium" >&2
    echo "[continuum] (or set CHROMIUM=/path/to/chromium). The dashboard test cannot run without it." >&2
    exit 2
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "[continuum] $CHROMIUM is missing and there is no apt-get here: install Chromium and set CHROMIUM=..." >&2
    exit 2
fi
echo "[continuum] installing Debian's chromium for the dashboard test (first run only) ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "[continuum] chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"

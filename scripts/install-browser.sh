#!/usr/bin/env bash
# Installs what the browser tests (pytest -m browser) need: Debian's Chromium and
# chromedriver, a font with Cyrillic and Latvian glyphs, and the Playwright Python
# package (the client library only: Playwright's own browser download is never used,
# the tests launch /usr/bin/chromium through executable_path).
#
# Idempotent: does nothing when everything is already there. Never fails the caller:
# when Chromium cannot be installed it says so, and the browser tests skip with the
# same message. Set CLAIMS_REQUIRE_BROWSER=1 to make a failed install an error.
#
# Usage: scripts/install-browser.sh [path/to/python]   (default: python3 on PATH)
set -uo pipefail

PYTHON="${1:-${PYTHON:-python3}}"
CHROMIUM="${CLAIMS_CHROMIUM_PATH:-/usr/bin/chromium}"
status=0

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
    else return 1
    fi
}

if [ -x "$CHROMIUM" ]; then
    echo "install-browser: Chromium present: $("$CHROMIUM" --version 2>/dev/null | head -1)"
elif command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: installing chromium and chromium-driver with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    # Another apt-get may hold the lock (parallel jobs): wait for it instead of failing.
    if as_root apt-get -o DPkg::Lock::Timeout=600 update -qq \
        && as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
            chromium chromium-driver fonts-dejavu-core >/dev/null \
        && [ -x "$CHROMIUM" ]; then
        echo "install-browser: installed $("$CHROMIUM" --version 2>/dev/null | head -1)"
    else
        echo "install-browser: WARNING: apt-get could not install chromium as $CHROMIUM;" \
             "browser tests will be skipped" >&2
        status=1
    fi
else
    echo "install-browser: WARNING: no $CHROMIUM and no apt-get;" \
         "browser tests will be skipped" >&2
    status=1
fi

if "$PYTHON" -c "import playwright" 2>/dev/null; then
    echo "install-browser: Playwright for Python present"
elif "$PYTHON" -m pip install -q "playwright>=1.45"; then
    echo "install-browser: installed Playwright for Python (client only, no browser download)"
else
    echo "install-browser: WARNING: could not pip install playwright;" \
         "browser tests will be skipped" >&2
    status=1
fi

if [ "$status" -ne 0 ] && [ "${CLAIMS_REQUIRE_BROWSER:-0}" = "1" ]; then
    exit 1
fi
exit 0

#!/usr/bin/env bash
# tests/web/t0100-dashboard.t - the dashboard's browser tests (tests/web/*.test.mjs)
# under Node's test runner, TAP for prove. Installs playwright-core from the
# committed package-lock.json when node_modules is missing; drives Debian's
# /usr/bin/chromium (never a downloaded browser) against a real lfsd.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export LFSD_BUILD=${LFSD_BUILD:-$root/build}
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ ! -d "$here/node_modules/playwright-core" ]; then
	if ! npm ci --prefix "$here" --no-audit --no-fund >"${TMPDIR:-/tmp}/lfsd-web-npm-ci.$$.log" 2>&1; then
		echo "1..1"
		echo "not ok 1 - npm ci --prefix tests/web (playwright-core) failed"
		sed 's/^/# /' "${TMPDIR:-/tmp}/lfsd-web-npm-ci.$$.log"
		rm -f "${TMPDIR:-/tmp}/lfsd-web-npm-ci.$$.log"
		exit 1
	fi
	rm -f "${TMPDIR:-/tmp}/lfsd-web-npm-ci.$$.log"
fi
for f in "$LFSD_BUILD/bin/lfsd" /usr/bin/chromium; do
	if [ ! -x "$f" ]; then
		echo "1..1"
		echo "not ok 1 - $f is missing (make all; scripts/deps.sh installs chromium)"
		exit 1
	fi
done

cd "$here" || exit 1
set -o pipefail
# one file at a time: each starts its own lfsd and Chromium (2-core machine).
# Node's TAP carries failure details as indented YAML that prove's parser
# rejects when an error text holds odd lines; those details become comments.
timeout 900 node --test --test-reporter=tap --test-concurrency=1 ./*.test.mjs |
	sed -u -E '/^(ok |not ok |1\.\.|TAP version |# )/!s/^/# /'

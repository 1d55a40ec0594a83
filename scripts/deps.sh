#!/bin/sh
# Installs the Debian packages lfsd needs to build, run and test, if missing.
# Idempotent and quiet when everything is present; run by `make` before building.
set -eu

PKGS="build-essential pkg-config ca-certificates curl openssl perl
libmicrohttpd-dev libsqlite3-dev libjansson-dev libmbedtls-dev libssl-dev zlib1g-dev libinih-dev
libcmocka-dev sqlite3 jq valgrind wrk clang libclang-rt-14-dev
chromium chromium-driver nginx-light"
# nginx-light: the HTTPS baseline of tests/bench/download.sh (started by the
# bench itself on 127.0.0.1; lfsd does not use it)

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2

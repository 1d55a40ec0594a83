#!/bin/bash
# Benchmark: what a 64 KB image and a handshake cost in mbedTLS 2.28 against
# OpenSSL 3 (tests/bench/tls_stacks.c), the figures behind lfsd's choice of
# OpenSSL for its HTTPS front end (server/README.md). Built by `make bench`.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LFSD_BUILD:-$ROOT/build}
"$BUILD/test/tls_stacks" "$@"

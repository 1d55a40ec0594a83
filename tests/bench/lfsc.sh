#!/bin/bash
# Benchmark: lfsc -f against the reference front end alone, same process, and
# the peak memory of lfsc -f on the limits app; then the same ratio for
# --target nodemcu-lua51 on the 5.1 apps. Built and run by `make bench`.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LFSD_BUILD:-$ROOT/build}
"$BUILD/test/bench_lfsc" "${LFSD_SHARED:-$ROOT/../shared}/conformance" "$BUILD/bin/lfsc"
"$BUILD/test/bench_lfsc51" "${LFSD_SHARED:-$ROOT/../shared}/conformance" "$BUILD/bin/lfsc"

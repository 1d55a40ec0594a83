#!/bin/sh
# t0050-unit: the cmocka unit tests of lfsd's parsers (tests/http/unit_server.c)
BUILD=${LFSD_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
CMOCKA_MESSAGE_OUTPUT=TAP exec "$BUILD/test/unit_server"

#!/bin/sh
# runs the cmocka unit test binary of the same name, with TAP output
CMOCKA_MESSAGE_OUTPUT=TAP LFSD_SHARED=${LFSD_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared} \
	exec "${LFSD_BUILD:-build}/test/$(basename "$0" .t)"

#!/usr/bin/env bash
# Flash emulation rules and the failsafe loader under a power cut at every
# erase/program step (C unit test, cmocka, TAP).
CMOCKA_MESSAGE_OUTPUT=TAP exec "${LFSD_BUILD:-$(dirname "$0")/../../build}/test/t_flash"

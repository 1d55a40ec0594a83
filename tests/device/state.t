#!/usr/bin/env bash
# C unit test of device/state.c (cmocka, TAP)
CMOCKA_MESSAGE_OUTPUT=TAP exec "${LFSD_BUILD:-$(dirname "$0")/../../build}/test/t_state"

#!/usr/bin/env bash
# C unit test of device/verify.c (TAP)
exec "${LFSD_BUILD:-$(dirname "$0")/../../build}/test/t_verify"

#!/bin/bash
# --help and --version of lfsc, lfsd and lfs-device: both on stdout with exit 0,
# the version from the one VERSION file; an unknown option prints the usage on
# stderr and exits 2.
. "$(dirname "$0")/../lib.sh"
version=$(cat "$ROOT/VERSION")
for prog in lfsc lfsd lfs-device; do
	exe=$BUILD/bin/$prog
	out=$("$exe" --help 2>"$T/err"); rc=$?
	is $rc 0 "$prog --help: exit 0"
	case "$out" in *usage:*) r=0 ;; *) r=1 ;; esac
	ok $r "$prog --help: usage on stdout"
	is "$(wc -c < "$T/err")" 0 "$prog --help: nothing on stderr"
	out=$("$exe" --version 2>"$T/err"); rc=$?
	is $rc 0 "$prog --version: exit 0"
	is "${out%% (*}" "$prog $version" "$prog --version: '$prog $version' on stdout"
	"$exe" --no-such-option >"$T/out" 2>"$T/err"; rc=$?
	is $rc 2 "$prog --no-such-option: exit 2"
	is "$(wc -c < "$T/out")" 0 "$prog --no-such-option: nothing on stdout"
	grep -q "no-such-option" "$T/err"; ok $? "$prog --no-such-option: stderr names the option"
	grep -q "usage" "$T/err"; ok $? "$prog --no-such-option: usage on stderr"
done
done_testing

#!/usr/bin/env bash
# Without --once the device keeps polling at the server's poll_interval (1 s
# here, with jitter) and picks up a new release while running.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/lfsd" --poll-interval 1
KEY=$(add_device dev-d)
make_app "$T/v1" v1
release "$(upload_build "$T/v1")" >/dev/null
"$DEV" --server "https://$TLS_ADDR" --device dev-d --key "$KEY" --pin-sha256 "$PIN" \
	--data "$T/d" > "$T/out" 2> "$T/err" &
DP=$!
PIDS="$PIDS $DP"
wait_for() {   # wait_for <file> <regex> [count]: up to 15 s
	local i
	for i in $(seq 150); do
		[ "$(grep -c -E "$2" "$1")" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}
wait_for "$T/out" '^MARKER v1 '; ok $? "v1 installed by the running device"
wait_for "$T/err" 'poll: up to date' 2; ok $? "it keeps polling (two up-to-date polls)"
make_app "$T/v2" v2
B2=$(upload_build "$T/v2" '{"timestamp":1700000100}')
V2=$(admin GET "/builds/$B2" | jq -r .sha256)
release "$B2" >/dev/null
wait_for "$T/out" '^MARKER v2 '; ok $? "the running device picked up v2"
wait_for "$T/err" "report booted $V2 delivered"; ok $? "and checked in"
kill -0 $DP; ok $? "the device is still running"
kill $DP
done_testing

# tests/faults/lib.sh - helpers for the fault tests (sourced by f*.t): those
# of tests/http/lib.sh, plus:
#   small_fs DIR SIZE   mounts a tmpfs of SIZE (e.g. 8m) at DIR; status 1 when
#                       this machine cannot mount (not root, no CAP_SYS_ADMIN,
#                       a container), unmounted on exit
#   skip N REASON       N TAP skips with the reason
#   dev_poll KEY ID     a device poll over HTTPS; prints the status
#   integrity           PRAGMA integrity_check of $DATA/lfsd.db
. "$(dirname "$0")/../http/lib.sh"
MOUNTS=""
fault_cleanup() {
	local p m
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	PIDS=""
	for m in $MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	cleanup
}
trap fault_cleanup EXIT
small_fs() {
	mkdir -p "$1"
	[ "$(id -u)" = 0 ] && mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" 2>/dev/null || return 1
	MOUNTS="$1 $MOUNTS"
}
skip() {
	local i
	for i in $(seq 1 "$1"); do ok 0 "# skip $2"; done
}
dev_poll() {
	curl -s --cacert "$CACERT" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
		"$SURL/ota/latest?device=$2&nonce=$(openssl rand -hex 16)"
}
integrity() {
	sqlite3 "$DATA/lfsd.db" 'PRAGMA integrity_check'
}
jpost() { req -X "${3:-POST}" -H 'Content-Type: application/json' -d "$2" "$URL$1"; }

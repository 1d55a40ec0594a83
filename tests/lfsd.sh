# tests/lfsd.sh - start_lfsd for the shell tests (http, device, bench): a real
# lfsd on 127.0.0.1, ephemeral ports. Its Node twin, with the same options, is
# tests/web/lib/lfsd.mjs; tests/README.md ("Starting lfsd") documents both.
# Source it after tests/lib.sh.
#   start_lfsd [DATA-DIR] [LFSD-ARG...]   default DATA-DIR $T/data; waits for
#       /healthz. Sets DATA, URL (http://127.0.0.1:P), SURL (https://localhost:P,
#       verify with CACERT), TLS_ADDR (127.0.0.1:P), CACERT, PIN (for
#       lfs-device --pin-sha256), BUILDS (lfsd's build directory root),
#       LFSD_PID. Returns 1, the log shown, when lfsd does not answer.
#       With UNHEALTHY=1: returns 0 once /healthz answers 503 (a test of
#       storage trouble), 1 on 200 or no answer.
#   stop_lfsd    SIGTERM and wait: lfsd's exit status (1, with the end of
#                the log, when lfsd had already exited)
#   kill_lfsd    SIGKILL and wait
#   TOKEN        the admin token (LFSD_ADMIN_TOKEN when set, else random)
#   LFSD_LOG     lfsd's stdout and stderr, every start appended ($T/lfsd.log)
#   MEMFLAG      "--build-memory 0" when lfsc is an AddressSanitizer build
#                (it needs more address space than any build limit), else 
LFSD=$BUILD/bin/lfsd
TOKEN=${LFSD_ADMIN_TOKEN:-test-admin-token-$$-$RANDOM}
LFSD_LOG=$T/lfsd.log
# an lfsc built with AddressSanitizer (make check) needs a huge address space
MEMFLAG=""
if grep -q __asan_init "$LFSC" 2>/dev/null; then MEMFLAG="--build-memory 0"; fi

start_lfsd() {
	DATA=${1:-$T/data}
	[ $# -gt 0 ] && shift
	mkdir -p "$DATA"
	rm -f "$DATA/ports"
	LFSD_ADMIN_TOKEN=$TOKEN "$LFSD" --data-dir "$DATA" --listen 127.0.0.1:0 \
		--tls-listen 127.0.0.1:0 --web-dir "$ROOT/web" --nodemcu-dir "$ROOT/device/nodemcu" $MEMFLAG "$@" \
		>>"$LFSD_LOG" 2>&1 &
	LFSD_PID=$!
	PIDS="$PIDS $LFSD_PID"
	local i port code
	for i in $(seq 1 200); do
		grep -qs '^https=' "$DATA/ports" && break
		kill -0 "$LFSD_PID" 2>/dev/null || break
		sleep 0.05
	done
	URL=http://$(sed -n 's/^http=//p' "$DATA/ports" 2>/dev/null)
	port=$(sed -n 's/^https=.*://p' "$DATA/ports" 2>/dev/null)
	SURL=https://localhost:$port
	TLS_ADDR=127.0.0.1:$port
	CACERT=$DATA/tls/cert.pem
	BUILDS=$(sed -n 's/.*listening .* builds=\([^ ]*\) .*/\1/p' "$LFSD_LOG" | tail -1)
	case $BUILDS in /dev/shm/lfsd-*) CLEAN_DIRS="$CLEAN_DIRS $BUILDS" ;; esac
	for i in $(seq 1 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")
		case ${UNHEALTHY:-}$code in
		1503) return 0 ;;
		1200) return 1 ;;
		esac
		if [ "$code" = 200 ]; then
			PIN=$("$BUILD/bin/lfs-device" --show-pin "$CACERT" 2>/dev/null || true)
			return 0
		fi
		kill -0 "$LFSD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# lfsd did not start; log:"; sed 's/^/#   /' "$LFSD_LOG"
	return 1
}
stop_lfsd() {
	if ! kill -TERM "$LFSD_PID" 2>/dev/null; then
		wait "$LFSD_PID" 2>/dev/null
		echo "# lfsd had exited before stop_lfsd (status $?); its log ends:"
		tail -20 "$LFSD_LOG" | sed 's/^/#   /'
		return 1
	fi
	wait "$LFSD_PID" 2>/dev/null
}
kill_lfsd() {
	kill -9 "$LFSD_PID" 2>/dev/null
	wait "$LFSD_PID" 2>/dev/null
}

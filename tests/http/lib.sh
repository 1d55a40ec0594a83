# tests/http/lib.sh - helpers for the lfsd HTTP tests (sourced by t*.t).
# Gives tests/lib.sh ($T, $APPS, ok, is, done_testing) and tests/lfsd.sh
# (start_lfsd, stop_lfsd, kill_lfsd, $URL, $SURL, $CACERT, $TOKEN, ...), plus:
#   req ARGS...      curl with the admin token; body in $T/body, prints status
#   healthy          0 if /healthz answers 200
#   app_args APP     "-F file=@..." arguments for every .lua file of an app
#   lfsc_like DIR TS [lfsc options...]   the image lfsc -f makes of DIR
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lfsd.sh"
set -u
req() {
	curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$@"
}
healthy() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ]
}
app_args() {
	local f
	for f in $(cd "$APPS/$1" && LC_ALL=C ls *.lua); do
		printf -- '-F\nfile=@%s\n' "$APPS/$1/$f"
	done
}
# lfsc_like DIR TS [lfsc options...]: what lfsc -f gives for DIR's files, run
# the way lfsd runs it (cwd = DIR, bare names sorted bytewise); image on stdout
lfsc_like() {
	local dir=$1 ts=$2
	shift 2
	(cd "$dir" && "$LFSC" -f -o "$T/lfsc_like.img" --timestamp "$ts" "$@" \
		$(LC_ALL=C ls *.lua) >/dev/null 2>&1) && cat "$T/lfsc_like.img"
}

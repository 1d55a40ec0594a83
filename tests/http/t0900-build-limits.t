#!/bin/bash
# t0900-build-limits: a compiler that hangs is killed at the wall-clock limit,
# one that crashes fails its own build; both answer with a clear error and
# lfsd keeps serving. (A stand-in compiler is used: the point is the daemon's
# handling of its child, which real lfsc cannot be made to do on purpose.)
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/bin"
cat >"$T/bin/hang" <<'SH'
#!/bin/sh
echo $$ >"$(dirname "$0")/hang.pid"
exec sleep 30
SH
cat >"$T/bin/crash" <<'SH'
#!/bin/sh
kill -SEGV $$
SH
cat >"$T/bin/garbage" <<'SH'
#!/bin/sh
echo "not json"
SH
cat >"$T/bin/spin" <<'SH'
#!/bin/sh
while :; do :; done
SH
chmod +x "$T/bin/"*
src="$APPS/json_config/$(ls "$APPS/json_config" | head -1)"

start_lfsd "$T/d1" --lfsc "$T/bin/hang" --build-timeout 1; ok $? "lfsd with a hanging compiler"
t0=$(date +%s)
is "$(req -F "file=@$src" "$URL/build")" 422 "hanging build: 422"
jq -e '.error.code == "limit" and (.error.message | test("wall-clock"))' "$T/body" >/dev/null; ok $? "says it hit the wall-clock limit"
[ $(( $(date +%s) - t0 )) -lt 10 ]; ok $? "answered within the limit, not after 30 s"
sleep 0.2; kill -0 "$(cat "$T/bin/hang.pid")" 2>/dev/null; is "$?" 1 "the compiler process was killed"
healthy; ok $? "lfsd still healthy"
grep -q 'lfsd_builds_total{outcome="timeout"} 1' <(curl -s "$URL/metrics"); ok $? "metrics count the timeout"
stop_lfsd

start_lfsd "$T/d2" --lfsc "$T/bin/spin" --build-timeout 1; ok $? "lfsd with a spinning compiler"
is "$(req -F "file=@$src" "$URL/build")" 422 "CPU-bound build: 422"
jq -e '.error.code == "limit"' "$T/body" >/dev/null; ok $? "limit error"
healthy; ok $? "lfsd still healthy"
stop_lfsd

start_lfsd "$T/d3" --lfsc "$T/bin/crash"; ok $? "lfsd with a crashing compiler"
is "$(req -F "file=@$src" "$URL/build")" 500 "crashing build: 500"
jq -e '.error.code == "build_failed" and (.error.message | test("signal 11"))' "$T/body" >/dev/null; ok $? "says the compiler crashed with signal 11"
healthy; ok $? "lfsd still healthy"
is "$(sqlite3 "$DATA/lfsd.db" 'select count(*) from builds')" 0 "nothing stored"
stop_lfsd

start_lfsd "$T/d4" --lfsc "$T/bin/garbage"; ok $? "lfsd with a compiler that prints garbage"
is "$(req -F "file=@$src" "$URL/build")" 500 "garbage output: 500"
jq -e '.error.code == "build_failed" and (.error.message | test("no result"))' "$T/body" >/dev/null; ok $? "says lfsc gave no result"
grep -q "lfsc gave no JSON result" "$LFSD_LOG"; ok $? "and the log says what it gave"
healthy; ok $? "lfsd still healthy"
stop_lfsd

start_lfsd "$T/d7" --lfsc "$T/bin/no-such-lfsc"; ok $? "lfsd with a missing compiler starts"
grep -q "compiler '$T/bin/no-such-lfsc' not found" "$T/lfsd.log"; ok $? "and warns about it"
is "$(req -F "file=@$src" "$URL/build")" 500 "build without a compiler: 500"
jq -e '.error.code == "build_failed" and (.error.message | test("cannot run the compiler"))' "$T/body" >/dev/null; ok $? "says the compiler cannot run"
stop_lfsd

# a full queue answers 503 busy at once; the queued builds still complete
printf '#!/bin/sh\nsleep 0.6\nexec "%s" "$@"\n' "$LFSC" >"$T/bin/slow"
chmod +x "$T/bin/slow"
start_lfsd "$T/d6" --lfsc "$T/bin/slow" --build-workers 1 --queue-limit 1; ok $? "lfsd with one worker and a queue of one"
qp=""
for i in 1 2 3 4; do
	printf 'return %d\n' "$i" >"$T/q$i.lua"
	curl -s -o "$T/q$i.json" -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" -F "file=@$T/q$i.lua" "$URL/build" >"$T/q$i.code" &
	qp="$qp $!"
	sleep 0.05
done
wait $qp
is "$(cat "$T"/q*.code | sort | tr '\n' ' ')" "201 201 503 503 " "two built, two refused with 503"
is "$(cat "$T"/q*.json | jq -r 'select(.error) | .error.code' | sort -u)" busy "503 says busy"
healthy; ok $? "lfsd still healthy"
stop_lfsd

# the real compiler under a tight memory limit: still a clean answer (not
# with an AddressSanitizer lfsc, which cannot start under an address-space limit)
if [ -n "$MEMFLAG" ]; then
	for k in 1 2 3 4; do ok 0 "# skip lfsc built with AddressSanitizer"; done
else
	start_lfsd "$T/d5" --build-memory 8; ok $? "lfsd with --build-memory 8"
	# 200,000 distinct string constants need more than 8 MB to compile
	awk 'BEGIN { printf "local t = {"; for (i = 0; i < 200000; i++) printf "%s\"k%d\"", (i ? "," : ""), i; print "}" }' >"$T/big.lua"
	is "$(req -F "file=@$T/big.lua" "$URL/build")" 422 "build that needs more memory: 422"
	jq -e '.error.code == "limit" and (.error.message | test("memory"))' "$T/body" >/dev/null; ok $? "says out of memory"
	healthy; ok $? "lfsd still healthy"
fi
done_testing

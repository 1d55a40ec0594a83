. "$(dirname "$0")/server.lib"
start_lfsd "$T/data" "$@"
C=8; K=40
for c in $(seq 1 "$C"); do mkdir -p "$T/c$c"; cp "$APPS/sensor_mesh/"*.lua "$T/c$c/"; done
for c in $(seq 1 "$C"); do
	for k in $(seq 1 "$K"); do
		printf 'return "client %d build %d"\n' "$c" "$k" >"$T/c$c/v$k.var"
		[ "$k" -gt 1 ] && echo next
		echo "url = \"$URL/build\""
		echo "header = \"Authorization: Bearer $TOKEN\""
		for f in "$T/c$c/"*.lua; do [ "${f##*/}" = zz_variant.lua ] || echo "form = \"file=@$f\""; done
		echo "form = \"file=@$T/c$c/v$k.var;filename=zz_variant.lua\""
		echo "output = /dev/null"
		echo 'write-out = "%{http_code}\n"'
	done >"$T/c$c.cfg"
done
perf record -a -F 1999 -g -o /tmp/perf.all.data 2>/dev/null &
PP=$!; sleep 0.3
s=$(date +%s%N)
pids=""; for c in $(seq 1 "$C"); do curl -s -K "$T/c$c.cfg" >"$T/c$c.codes" & pids="$pids $!"; done; wait $pids
e=$(date +%s%N)
kill -INT $PP; wait $PP || true
echo "builds/s: $(awk -v d=$((e-s)) 'BEGIN{print 320/(d/1e9)}')" >&2; cat $T/c*.codes | sort | uniq -c >&2
stop_lfsd

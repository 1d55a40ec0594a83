#!/bin/bash
# download.sh - image downloads (a ~64 KB image, wrk, 64 connections, DUR s a
# run), rounds alternating between the servers (the machine is shared: the
# best round of each is compared), plus each server's CPU per download:
#   HTTP:  lfsd GET /builds/{id}/lfs.img   vs tests/bench/bare_server  (>= 0.8)
#   HTTPS: lfsd GET /ota/images/{sha}      vs Debian's nginx serving the same
#          file with the same certificate  (>= 0.9), and vs bare_server --tls
#          (libmicrohttpd's own TLS, GnuTLS: lfsd's HTTPS before its gate)
# HTTPS uses one suite for every server, chosen by the client (wrk through an
# OpenSSL config): TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256, what an ESP8266
# negotiates (BENCH_TLS=1.3: TLS 1.3 TLS_AES_128_GCM_SHA256). Then the cost
# of a handshake, new and resumed, lfsd against nginx (openssl s_time).
# usage: tests/bench/download.sh [seconds] [rounds]
. "$(dirname "$0")/server.lib"
DUR=${1:-10}
ROUNDS=${2:-3}
TICK=$(getconf CLK_TCK)
start_lfsd "$T/data"

# sensor_mesh plus one long string, sized so the image is ~64 KB
mkdir -p "$T/src"
cp "$APPS/sensor_mesh/"*.lua "$T/src/"
pad=$((65536 - $(cd "$T/src" && "$LFSC" -f -o "$T/x.img" *.lua 2>/dev/null && stat -c %s "$T/x.img") - 40))
printf 'return "%s"\n' "$(head -c "$pad" /dev/zero | tr '\0' 'p')" >"$T/src/zz_pad.lua"
args=(); for f in "$T/src/"*.lua; do args+=(-F "file=@$f"); done
curl -s -H "Authorization: Bearer $TOKEN" "${args[@]}" "$URL/build" >"$T/build.json"
id=$(jq .id "$T/build.json"); size=$(jq .size "$T/build.json"); sha=$(jq -r .sha256 "$T/build.json")
curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$id/lfs.img" -o "$T/lfs.img"
curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	-d "{\"build_id\":$id,\"channel\":\"bench\"}" "$URL/releases" >/dev/null
KEY=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	-d '{"id":"bench-1","channel":"bench"}' "$URL/devices" | jq -r .key)
# a device downloads only the image offered to it: one poll first
curl -sk -o /dev/null -H "Authorization: Bearer $KEY" \
	"https://$TLS_ADDR/ota/latest?device=bench-1&nonce=$(openssl rand -hex 16)"
mkdir -p "$T/img" && cp "$T/lfs.img" "$T/img/$sha"
echo "image: build $id, $size bytes"

# the client's TLS: one version and suite for every server (wrk takes it from
# an OpenSSL config, s_time from its flags)
if [ "${BENCH_TLS:-1.2}" = 1.3 ]; then
	suite="MinProtocol = TLSv1.3
Ciphersuites = TLS_AES_128_GCM_SHA256"
	stime=(-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256)
else
	suite="MaxProtocol = TLSv1.2
CipherString = ECDHE-ECDSA-AES128-GCM-SHA256"
	stime=(-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)
fi
cat >"$T/client.cnf" <<EOF
openssl_conf = init
[init]
ssl_conf = ssl
[ssl]
system_default = tls
[tls]
$suite
EOF

start_bare --file "$T/lfs.img"; PLAIN_BARE=$BARE_PORT; PLAIN_PID=$BARE_PID
start_bare --file "$T/lfs.img" --tls "$CACERT" "$DATA/tls/key.pem"; TLS_BARE=$BARE_PORT; TLS_PID=$BARE_PID
start_nginx "$T/img" "$CACERT" "$DATA/tls/key.pem"

# run NAME ROUND URL PID [wrk args]: one wrk run and the server's CPU
run() {
	local name=$1 r=$2 url=$3 pid=$4 c0 c1
	shift 4
	c0=$(cpu_ticks "$pid")
	OPENSSL_CONF=$T/client.cnf wrk -t2 -c64 -d"${DUR}s" --latency "$@" "$url" >"$T/$name.$r.wrk"
	c1=$(cpu_ticks "$pid")
	echo $((c1 - c0)) >"$T/$name.$r.cpu"
}
# us_per NAME ROUND: server CPU microseconds per request of that run
us_per() {
	awk -v c="$(cat "$T/$1.$2.cpu")" -v t="$TICK" '/requests in/ { printf "%.0f", c * 1e6 / t / $1 }' "$T/$1.$2.wrk"
}
for r in $(seq 1 "$ROUNDS"); do
	run http "$r" "$URL/builds/$id/lfs.img" "$LFSD_PID" -H "Authorization: Bearer $TOKEN"
	run bare "$r" "http://127.0.0.1:$PLAIN_BARE/lfs.img" "$PLAIN_PID"
	run https "$r" "https://127.0.0.1:${TLS_ADDR#*:}/ota/images/$sha?device=bench-1" "$LFSD_PID" \
		-H "Authorization: Bearer $KEY"
	run nginx "$r" "https://127.0.0.1:$NGINX_PORT/ota/images/$sha" "$NGINX_PID"
	run baretls "$r" "https://127.0.0.1:$TLS_BARE/lfs.img" "$TLS_PID"
	for n in http bare https nginx baretls; do
		printf '%s%s %s req/s %s us/download' "$([ $n = http ] && echo "round $r: ")" \
			"$n" "$(rps "$T/$n.$r.wrk")" "$(us_per $n "$r")"
		[ $n = baretls ] && echo || printf ', '
	done
done

echo "suite (nginx's log): $(tail -1 "$NGINX_LOG" | awk '{ print $(NF - 1), $NF }')"

# handshakes: s_time connections per second with full and resumed handshakes
# (each fetching /healthz: a TLS 1.3 client gets its ticket after the
# handshake), and the server's CPU per handshake
hs() {   # hs NAME ADDR PID new|reuse
	local c0 c1 n
	c0=$(cpu_ticks "$3")
	n=$(openssl s_time -connect "$2" -"$4" -time 5 -www /healthz "${stime[@]}" 2>/dev/null |
		awk '/connections in .* real seconds/ { print $1; exit }')
	c1=$(cpu_ticks "$3")
	echo "$1 $4: $n handshakes in 5 s, server CPU $(awk -v c=$((c1 - c0)) -v t="$TICK" -v n="$n" \
		'BEGIN { printf "%.0f", n ? c * 1e6 / t / n : 0 }') us each"
}
hs lfsd "$TLS_ADDR" "$LFSD_PID" new
hs nginx "127.0.0.1:$NGINX_PORT" "$NGINX_PID" new
hs lfsd "$TLS_ADDR" "$LFSD_PID" reuse
hs nginx "127.0.0.1:$NGINX_PORT" "$NGINX_PID" reuse
stop_lfsd
stop_bare; BARE_PID=$PLAIN_PID; stop_bare
stop_nginx

best() { for f in "$T/$1".*.wrk; do echo "$(rps "$f") $f"; done | sort -rn | head -1 | cut -d' ' -f2; }
median_us() { for r in $(seq 1 "$ROUNDS"); do us_per "$1" "$r"; echo; done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for n in http bare https nginx baretls; do
	f=$(best $n)
	printf 'best %-7s %9s req/s (p99 %s), median %s us CPU per download\n' "$n" "$(rps "$f")" \
		"$(awk '$1=="99%"{print $2}' "$f")" "$(median_us $n)"
done
rh=$(ratio "$(rps "$(best http)")" "$(rps "$(best bare)")")
rs=$(ratio "$(rps "$(best https)")" "$(rps "$(best nginx)")")
rg=$(ratio "$(rps "$(best https)")" "$(rps "$(best baretls)")")
echo "ratio lfsd/bare over HTTP: $rh (target >= 0.8)"
echo "ratio lfsd/nginx over HTTPS: $rs (target >= 0.9); CPU per download nginx/lfsd: $(ratio "$(median_us nginx)" "$(median_us https)")"
echo "ratio lfsd/bare_server (GnuTLS) over HTTPS: $rg"
awk -v a="$rh" -v b="$rs" 'BEGIN { exit !(a >= 0.8 && b >= 0.9) }'

#!/bin/bash
# t0400-bad-input: every bad input of POST /build gets its own 4xx JSON error,
# stores nothing (no build row, no temp file) and lfsd keeps serving
# (/healthz is checked after each case).
. "$(dirname "$0")/lib.sh"
start_lfsd "$T/data" --max-upload 3000000; ok $? "lfsd started with --max-upload 3000000"
B=----lfsdtestboundary
good=$(printf 'return 1\n')

# raw multipart body with exact bytes for one file part: mp NAME CONTENT
mp() {
	printf -- '--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n' "$B" "$1"
	printf 'Content-Type: text/plain\r\n\r\n%s\r\n--%s--\r\n' "$2" "$B"
}
post_raw() {   # post_raw FILE [content-type]
	req -H "Content-Type: ${2:-multipart/form-data; boundary=$B}" --data-binary "@$1" "$URL/build"
}
# check CASE STATUS CODE-REGEX MESSAGE-REGEX: status, error JSON, still healthy, nothing stored
check() {
	local what=$1 want=$2 code=$3 msg=$4 got=$5
	is "$got" "$want" "$what: $want"
	jq -e --arg c "$code" --arg m "$msg" '.error.code == $c and (.error.message | test($m))' \
		"$T/body" >/dev/null
	ok $? "$what: error $code says /$msg/" || echo "# body: $(head -c 300 "$T/body")"
	healthy; ok $? "$what: /healthz still 200 afterwards"
	is "$(sqlite3 "$DATA/lfsd.db" 'select count(*) from builds')" 0 "$what: no build stored"
	is "$(ls "$BUILDS" "$DATA/blobs/tmp" | grep -vc ':$\|^$\|^owner$\|^build-')" 0 "$what: no temp files left"
	[ "$(ls "$BUILDS" | grep -c "^build-")" -le 4 ]; ok $? "$what: a workspace per build thread at most (2 x --build-workers)"
}

head -c 3100000 /dev/zero | tr '\0' 'x' >"$T/big.lua"
check "body over --max-upload" 413 too_large "exceeds the 3000000 byte limit" \
	"$(req -F "file=@$T/big.lua" "$URL/build")"
check "chunked body over --max-upload" 413 too_large "exceeds" \
	"$(req -H 'Transfer-Encoding: chunked' -F "file=@$T/big.lua" "$URL/build")"

mp a.lua "$good" | head -c -20 >"$T/trunc"
check "multipart without closing boundary" 400 bad_request "malformed multipart" "$(post_raw "$T/trunc")"
printf 'this is not multipart at all\r\n' >"$T/junk"
check "multipart body without any part" 400 bad_request "malformed multipart|empty upload" "$(post_raw "$T/junk")"
mp a.lua "$good" | sed "s/$B/other-boundary/" >"$T/x"
check "multipart with another boundary" 400 bad_request "no part uses the declared boundary" "$(post_raw "$T/x")"
mp a.lua "$good" >"$T/ok.mp"
check "multipart without boundary parameter" 400 bad_request "boundary" \
	"$(post_raw "$T/ok.mp" "multipart/form-data")"
printf -- '--%s\r\nContent-Disposition: form-data; name="notes"\r\n\r\nhello\r\n--%s--\r\n' "$B" "$B" >"$T/field"
check "multipart part that is not a file" 400 bad_request "neither a file" "$(post_raw "$T/field")"

printf '{"files":{"a.lua":"return 1"' >"$T/j"
check "invalid JSON" 400 bad_request "invalid JSON at line 1" "$(post_raw "$T/j" application/json)"
printf '["a.lua"]' >"$T/j"
check "JSON that is not an object" 400 bad_request "JSON object" "$(post_raw "$T/j" application/json)"
printf '{"files":{"a.lua":"return 1"},"options":{"optimize":true}}' >"$T/j"
check "unknown option (JSON)" 400 bad_request "unknown option 'optimize'" "$(post_raw "$T/j" application/json)"
check "unknown option (multipart)" 400 bad_request "unknown option 'turbo'" \
	"$(req -F "file=@$APPS/json_config/$(ls "$APPS/json_config" | head -1)" -F 'options={"turbo":1}' "$URL/build")"
printf '{"files":{"a.lua":"return 1"},"options":{"target":"lua54"}}' >"$T/j"
check "invalid option value" 400 bad_request "option 'target'" "$(post_raw "$T/j" application/json)"
printf '{"files":{"a.lua":"return 1"},"options":{"max_size":1000}}' >"$T/j"
check "max_size not a multiple of 4096" 400 bad_request "multiple of 4096" "$(post_raw "$T/j" application/json)"

mp "dir/a.lua" "$good" >"$T/x"
check "file name with /" 400 bad_request "path separator" "$(post_raw "$T/x")"
mp "../a.lua" "$good" >"$T/x"
check "file name with ../" 400 bad_request "path separator" "$(post_raw "$T/x")"
mp "..lua" "$good" >"$T/x"
check "file name .." 400 bad_request "starts with '.'" "$(post_raw "$T/x")"
printf '{"files":{"..":"return 1"}}' >"$T/j"
check "file name .. (JSON)" 400 bad_request "starts with '.'|does not end" "$(post_raw "$T/j" application/json)"
printf '{"files":{"..\\\\a.lua":"return 1"}}' >"$T/j"
check "file name with a backslash" 400 bad_request "path separator" "$(post_raw "$T/j" application/json)"
printf '{"files":{"a\\u0000b.lua":"return 1"}}' >"$T/j"
check "file name with NUL (JSON)" 400 bad_request "invalid JSON|NUL" "$(post_raw "$T/j" application/json)"
printf -- '--%s\r\nContent-Disposition: form-data; name="file"; filename="a\0b.lua"\r\n\r\nreturn 1\r\n--%s--\r\n' "$B" "$B" >"$T/x"
check "file name with NUL (multipart)" 400 bad_request "does not end in .lua|NUL|malformed|neither a file" "$(post_raw "$T/x")"
mp "a.txt" "$good" >"$T/x"
check "file name without .lua" 400 bad_request "does not end in .lua" "$(post_raw "$T/x")"
mp "$(printf 'caf\xe9.lua')" "$good" >"$T/x"
check "non-UTF-8 file name" 400 bad_request "not valid UTF-8" "$(post_raw "$T/x")"
mp "$(printf 'a\xe0\x80\xaf.lua')" "$good" >"$T/x"
check "overlong UTF-8 in a file name" 400 bad_request "not valid UTF-8" "$(post_raw "$T/x")"
mp "$(printf 'a\xed\xa0\x80.lua')" "$good" >"$T/x"
check "a surrogate in a file name" 400 bad_request "not valid UTF-8" "$(post_raw "$T/x")"
mp "$(printf 'a\xf4\x90\x80\x80.lua')" "$good" >"$T/x"
check "a code point above U+10FFFF in a file name" 400 bad_request "not valid UTF-8" "$(post_raw "$T/x")"
mp "-x.lua" "$good" >"$T/x"
check "file name starting with -" 400 bad_request "starts with '-'" "$(post_raw "$T/x")"
printf '{"files":{"a.lua":"return 1"},"options":{"base_address":"0x10"}}' >"$T/j"
check "base_address outside flash" 400 bad_request "0x00000010 is not a flash address of nodemcu-lua53 \\(0x40200001..0x40300000\\)" "$(post_raw "$T/j" application/json)"
printf '{"files":{"a.lua":"return 1"},"options":{"base_address":"0x40200000","target":"nodemcu-lua51"}}' >"$T/j"
check "base_address below the 5.1 window" 400 bad_request "not a flash address of nodemcu-lua51" "$(post_raw "$T/j" application/json)"
printf '\033Lua\123\000garbage that is no chunk' >"$T/chunk.lua"
check "a damaged precompiled chunk as a source" 422 compile_error "precompiled chunk" "$(req -F "file=@$T/chunk.lua" "$URL/build")"
jq -e --arg d "$DATA" --arg r "$ROOT" '.error.message | (contains($d) or contains($r) or contains("/")) | not' \
	"$T/body" >/dev/null; ok $? "  its message names no server path"
{ printf -- '--%s\r\nContent-Disposition: form-data; name="file"; filename="a.lua"\r\n\r\nreturn 1\r\n' "$B"
  printf -- '--%s\r\nContent-Disposition: form-data; name="file"; filename="a.lua"\r\n\r\nreturn 2\r\n--%s--\r\n' "$B" "$B"; } >"$T/x"
check "duplicate module (multipart)" 400 bad_request "duplicate module 'a'" "$(post_raw "$T/x")"
printf '{"files":{"a.lua":"return 1","a.lua":"return 2"}}' >"$T/j"
check "duplicate module (JSON)" 400 bad_request "duplicate" "$(post_raw "$T/j" application/json)"

check "empty body" 400 bad_request "empty upload" "$(req -X POST -H "Content-Type: multipart/form-data; boundary=$B" "$URL/build")"
printf -- '--%s\r\nContent-Disposition: form-data; name="options"\r\n\r\n{}\r\n--%s--\r\n' "$B" "$B" >"$T/x"
check "multipart with no file" 400 bad_request "empty upload" "$(post_raw "$T/x")"
printf '{"files":{}}' >"$T/j"
check "JSON with no file" 400 bad_request "empty upload" "$(post_raw "$T/j" application/json)"
check "unsupported Content-Type" 415 bad_request "Content-Type" "$(post_raw "$T/j" text/plain)"

# a 2 MB single-line file is compiled (and here rejected by the compiler) like any other
head -c 2000000 /dev/zero | tr '\0' 'a' >"$T/long.lua"
check "2 MB single-line file" 422 compile_error "syntax error|expected" "$(req -F "file=@$T/long.lua" "$URL/build")"
is "$(jq -r .error.file "$T/body"):$(jq .error.line "$T/body")" "long.lua:1" "2 MB line: error at long.lua:1"

code=$(curl -s -o "$T/body" -w '%{http_code}' -F "file=@$APPS/json_config/$(ls "$APPS/json_config" | head -1)" "$URL/build")
check "missing token" 401 unauthorized "admin token" "$code"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Authorization: Bearer nope' -F "file=@$APPS/json_config/$(ls "$APPS/json_config" | head -1)" "$URL/build")
check "wrong token" 401 unauthorized "admin token" "$code"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Authorization: Basic YWRtaW46eA==' -F "file=@$APPS/json_config/$(ls "$APPS/json_config" | head -1)" "$URL/build")
check "Basic instead of Bearer" 401 unauthorized "admin token" "$code"

for q in "builds?limit=4294967297" "builds?limit=-1" "builds?limit=5x" "devices?limit=4294967297" \
         "devices?limit=18446744073709551617"; do
	is "$(req "$URL/$q")" 400 "GET /$q: 400, not a wrapped number"
done

# after all that, a good build still works
is "$(req -F "file=@$APPS/json_config/$(ls "$APPS/json_config" | head -1)" "$URL/build")" 201 "a good build afterwards: 201"
done_testing

#!/bin/bash
# t0700-static: the dashboard's files from --web-dir: index at /, content
# types, cache headers, no auth, no listing, no traversal (.., encoded forms,
# backslash, NUL, dot-files, symlinks out of the directory).
. "$(dirname "$0")/lib.sh"
W=$T/web
mkdir -p "$W/assets" "$W/sub"
echo '<!doctype html><title>lfsd</title>' >"$W/index.html"
echo 'export const x = 1;' >"$W/app.js"
echo 'body { color: red }' >"$W/style.css"
echo '<svg xmlns="http://www.w3.org/2000/svg"/>' >"$W/assets/logo.svg"
printf '\x89PNG\r\n' >"$W/assets/icon.png"
echo '{"a":1}' >"$W/assets/data.json"
echo 'secret' >"$T/secret.html"
echo 'hidden' >"$W/.env.json"
ln -s "$T/secret.html" "$W/link.html"
start_lfsd "$T/data" --web-dir "$W"; ok $? "lfsd started with --web-dir"
get() {   # get PATH -> status; headers in $T/h, body in $T/b
	curl -s --path-as-is -D "$T/h" -o "$T/b" -w '%{http_code}' "$URL$1"
}
hdr() { tr -d '\r' <"$T/h" | sed -n "s/^$1: //Ip"; }

is "$(get /)" 200 "GET / without a token: 200"
cmp -s "$T/b" "$W/index.html"; ok $? "/ serves index.html"
is "$(hdr Content-Type)" "text/html; charset=utf-8" "index.html is text/html"
is "$(hdr Cache-Control)" "no-cache" "index.html: Cache-Control no-cache"
is "$(get /app.js)" 200 "GET /app.js"
is "$(hdr Content-Type)" "text/javascript; charset=utf-8" "js is text/javascript"
is "$(hdr Cache-Control)" "public, max-age=300" "assets: short max-age"
is "$(get /style.css)" 200 "GET /style.css"
is "$(hdr Content-Type)" "text/css; charset=utf-8" "css is text/css"
is "$(get /assets/logo.svg)" 200 "GET /assets/logo.svg"
is "$(hdr Content-Type)" "image/svg+xml" "svg type"
is "$(get /assets/icon.png)" 200 "GET /assets/icon.png"
is "$(hdr Content-Type)" "image/png" "png type"
is "$(get /assets/data.json)" 200 "GET /assets/data.json"
is "$(hdr Content-Type)" "application/json" "json type"
is "$(get /assets/)" 404 "directory: no listing (404)"
is "$(get /sub)" 404 "directory without slash: 404"
is "$(get /nope.js)" 404 "missing file: 404"
jq -e '.error.code == "not_found"' "$T/b" >/dev/null; ok $? "404 is a JSON error"
is "$(get /../secret.html)" 400 "/../ refused"
is "$(get /assets/../../secret.html)" 400 "nested .. refused"
is "$(get /%2e%2e/secret.html)" 400 "percent-encoded .. refused"
is "$(get /assets/%2e%2e%2f%2e%2e%2fsecret.html)" 400 "encoded ../ refused"
is "$(get /%252e%252e/secret.html)" 400 "double-encoded .. refused"
is "$(get '/assets\..\..\secret.html')" 400 "backslashes refused"
is "$(get /index.html%00.png)" 400 "NUL refused"
is "$(get /.env.json)" 400 "dot-files refused"
is "$(get /link.html)" 404 "symlink out of the directory not followed"
grep -q secret "$T/b"; is "$?" 1 "secret never served"
healthy; ok $? "still healthy"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/index.html")" 404 "POST to a file: 404"
done_testing

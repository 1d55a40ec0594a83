#!/bin/bash
# t0200-build-conformance: every public conformance app POSTed as multipart
# with curl; the downloaded lfs.img equals what lfsc -f gives for the same
# files with the build's recorded timestamp (seed derived by lfsc in both),
# its sha256 equals the ETag; the same upload again answers 200 with the
# existing build; JSON upload; options; sources and listing routes.
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"

for app in $(cd "$APPS" && ls); do
	mapfile -t args < <(app_args "$app")
	code=$(req "${args[@]}" "$URL/build")
	is "$code" 201 "$app: POST /build multipart -> 201"
	cp "$T/body" "$T/$app.json"
	id=$(jq .id "$T/$app.json"); ts=$(jq .effective.timestamp "$T/$app.json")
	n=$(cd "$APPS/$app" && ls *.lua | wc -l)
	is "$(jq '.files | length' "$T/$app.json")" "$n" "$app: all $n files recorded"
	curl -s -D "$T/h" -H "Authorization: Bearer $TOKEN" "$URL/builds/$id/lfs.img" -o "$T/got.img"
	lfsc_like "$APPS/$app" "$ts" >"$T/want.img"
	cmp -s "$T/got.img" "$T/want.img"; ok $? "$app: lfs.img is byte-identical to lfsc -f --timestamp $ts"
	sha=$(sha256sum "$T/got.img" | cut -d' ' -f1)
	etag=$(tr -d '\r' <"$T/h" | sed -n 's/^ETag: //Ip')
	is "$etag" "\"$sha\"" "$app: ETag is the image's sha256"
	is "$(jq -r .sha256 "$T/$app.json")" "$sha" "$app: build sha256 matches"
done

# reproducible from the recorded options, seed included
app=sensor_mesh
seed=$(jq .effective.seed "$T/$app.json"); ts=$(jq .effective.timestamp "$T/$app.json")
lfsc_like "$APPS/$app" "$ts" --seed "$seed" >"$T/seeded.img"
is "$(sha256sum <"$T/seeded.img" | cut -d' ' -f1)" "$(jq -r .sha256 "$T/$app.json")" "recorded seed+timestamp reproduce the image with lfsc"
is "$(jq '.modules | length' "$T/$app.json")" 60 "sensor_mesh: 60 modules with sizes"
jq -e '.modules[0] | has("image_bytes") and has("flash_bytes")' "$T/$app.json" >/dev/null; ok $? "module sizes present"
jq -e '.timings | has("compile_ms") and has("total_ms")' "$T/$app.json" >/dev/null; ok $? "timings present"

# the same upload again: 200, same build
mapfile -t args < <(app_args json_config)
is "$(req "${args[@]}" "$URL/build")" 200 "same sources and options again: 200"
is "$(jq .id "$T/body")" "$(jq .id "$T/json_config.json")" "the existing build is returned"
is "$(req "${args[@]}" -F 'options={"strip":true}' "$URL/build")" 201 "same sources, other options: 201"
strip_id=$(jq .id "$T/body"); ts=$(jq .effective.timestamp "$T/body")
is "$(jq .options.strip "$T/body")" true "strip recorded"
printf '{"strip":true}' >"$T/opts.json"
is "$(req "${args[@]}" -F "options=@$T/opts.json" "$URL/build")" 200 "options sent as a file part: same build (200)"
is "$(jq .id "$T/body")" "$strip_id" "same id"
curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$strip_id/lfs.img" -o "$T/got.img"
lfsc_like "$APPS/json_config" "$ts" -s >"$T/want.img"
cmp -s "$T/got.img" "$T/want.img"; ok $? "stripped image equals lfsc -f -s"

# JSON upload with explicit seed/timestamp and an absolute image
body=$(jq -n --rawfile a "$APPS/state_machine/$(ls "$APPS/state_machine" | head -1)" \
	--arg n "$(ls "$APPS/state_machine" | head -1)" \
	'{files: {($n): $a}, options: {seed: 1234, timestamp: 1700000000, base_address: "0x40296000", max_size: 65536}}')
is "$(req -H 'Content-Type: application/json' -d "$body" "$URL/build")" 201 "JSON upload with options: 201"
cp "$T/body" "$T/abs.json"
is "$(jq -c '[.effective.seed, .effective.timestamp, .options.base_address, .effective.kind]' "$T/abs.json")" \
	'[1234,1700000000,"0x40296000","absolute"]' "seed, timestamp, base address recorded"
mkdir -p "$T/sm"; cp "$APPS/state_machine/$(ls "$APPS/state_machine" | head -1)" "$T/sm/"
(cd "$T/sm" && "$LFSC" -f -a 0x40296000 -m 65536 --seed 1234 --timestamp 1700000000 -o "$T/abs.img" *.lua >/dev/null)
curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$(jq .id "$T/abs.json")/lfs.img" -o "$T/got.img"
cmp -s "$T/got.img" "$T/abs.img"; ok $? "absolute image equals lfsc -a"
# its listing, read back from the absolute image, is the relocatable image's
(cd "$T/sm" && "$LFSC" -f -m 65536 --seed 1234 --timestamp 1700000000 -o "$T/rel.img" *.lua >/dev/null)
"$LFSC" -F "$T/rel.img" -l >"$T/want.lst"
is "$(req "$URL/builds/$(jq .id "$T/abs.json")/listing")" 200 "listing of an absolute build"
cmp -s "$T/body" "$T/want.lst"; ok $? "absolute build's listing equals lfsc -l of its relocatable image"
# the same for the Lua 5.1 port: a gzip image, and its absolute layout
b51='{"files":{"a.lua":"local x = 1 return x + 2"},"options":{"target":"nodemcu-lua51"}}'
is "$(req -H 'Content-Type: application/json' -d "$b51" "$URL/build")" 201 "a nodemcu-lua51 build"
id51=$(jq .id "$T/body")
curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$id51/lfs.img" -o "$T/51.img"
is "$(req "$URL/builds/$id51/listing")" 200 "its listing"
"$LFSC" -F "$T/51.img" -l | cmp -s - "$T/body"; ok $? "equals lfsc -F lfs.img -l"
cp "$T/body" "$T/51.lst"
is "$(req -H 'Content-Type: application/json' -d "${b51%\}\}},\"base_address\":\"0x40296000\"}}" "$URL/build")" 201 "an absolute nodemcu-lua51 build"
is "$(req "$URL/builds/$(jq .id "$T/body")/listing")" 200 "its listing"
cmp -s "$T/body" "$T/51.lst"; ok $? "the same lines as the relocatable image's"

# compile error: 422 with file and line, nothing stored
before=$(sqlite3 "$DATA/lfsd.db" 'select count(*) from builds')
printf 'local x = 1\nif x then\n  print(x)\nuntil\n' >"$T/bad.lua"
is "$(req -F "file=@$T/bad.lua" -F "file=@$APPS/json_config/$(ls "$APPS/json_config" | head -1)" "$URL/build")" 422 "compile error: 422"
is "$(jq -r '.error.code' "$T/body")" compile_error "error code compile_error"
is "$(jq -r '.error.file' "$T/body"):$(jq .error.line "$T/body")" "bad.lua:4" "error has file and line"
jq -e '.error.message | test("expected")' "$T/body" >/dev/null; ok $? "error message from the compiler"
is "$(sqlite3 "$DATA/lfsd.db" 'select count(*) from builds')" "$before" "no build row for a failed build"
# max_size exceeded
mapfile -t args < <(app_args sensor_mesh)
is "$(req "${args[@]}" -F 'options={"max_size":4096}' "$URL/build")" 422 "image over max_size: 422"
is "$(jq -r '.error.code' "$T/body")" limit "error code limit"

# reading builds
id=$(jq .id "$T/json_config.json")
is "$(req "$URL/builds/$id")" 200 "GET /builds/{id}"
is "$(jq -r .sha256 "$T/body")" "$(jq -r .sha256 "$T/json_config.json")" "build read back"
f=$(jq -r '.files[0].name' "$T/body")
is "$(req "$URL/builds/$id/sources/$f")" 200 "GET /builds/{id}/sources/{name}"
cmp -s "$T/body" "$APPS/json_config/$f"; ok $? "source returned byte for byte"
is "$(req "$URL/builds/$id/sources/nope.lua")" 404 "unknown source: 404"
is "$(req "$URL/builds/$id/listing")" 200 "GET /builds/{id}/listing"
grep -q "function <" "$T/body"; ok $? "listing is a luac-style listing"
(cd "$APPS/json_config" && "$LFSC" -l -p $(LC_ALL=C ls *.lua)) >"$T/want.lst"
cmp -s "$T/body" "$T/want.lst"; ok $? "listing equals lfsc -l of the same sources"
is "$(req "$URL/builds/99999")" 404 "unknown build: 404"
is "$(req "$URL/builds/abc")" 404 "non-numeric build id: 404"
is "$(req "$URL/builds?limit=2")" 200 "GET /builds?limit=2"
is "$(jq '.builds | length' "$T/body")" 2 "page of 2"
next=$(jq -r .next "$T/body")
is "$(req "$URL$next")" 200 "next page"
total=$(sqlite3 "$DATA/lfsd.db" 'select count(*) from builds')
is "$(req "$URL/builds?limit=500")" 200 "all builds"
is "$(jq '.builds | length' "$T/body")" "$total" "list has every build"
is "$(jq -r '.next' "$T/body")" null "last page has no next"
done_testing

#!/bin/bash
# t0210-migrate: a database written by an lfsd of schema 2 (lfsc's --json
# result stored as text, listing blobs) is migrated to typed build tables:
# every build reads back with the same modules, warnings and string counts,
# and lists on demand; the signing key it had is kept and its fingerprint
# recorded.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/data"
# blobs named by the SHA-256 of their bytes (lfsd checks them at start)
blob() {   # blob TEXT -> its sha256, stored under $T/data/blobs
	local sha
	sha=$(printf '%s\n' "$1" | sha256sum | cut -d' ' -f1)
	mkdir -p "$T/data/blobs/${sha:0:2}" && printf '%s\n' "$1" >"$T/data/blobs/${sha:0:2}/$sha"
	echo "$sha"
}
S7=$(blob image); S9=$(blob listing); S1=$(blob a.lua); S2=$(blob b.lua)
cat "$ROOT/schema/0001_init.sql" "$ROOT/schema/0002_ota.sql" | sqlite3 "$T/data/lfsd.db"
result='{"ok":true,"kind":"image","modules":[{"name":"a","file":"a.lua","image_bytes":52,"flash_bytes":60,"functions":1},{"name":"b","file":"b.lua","image_bytes":70,"flash_bytes":80,"functions":2}],"strings":{"vector":5,"short":75,"long":1},"warnings":[{"file":"b.lua","line":0,"message":"a warning"}]}'
sqlite3 "$T/data/lfsd.db" "INSERT INTO builds VALUES (1, 'k1', '$S7', 122, 1700000000,
	'nodemcu-lua53', 0, NULL, NULL, NULL, NULL, 42, 1700000000, 'image', 200, '$result',
	'$S9', 0, 5, 9);
	INSERT INTO build_files VALUES (1, 0, 'a.lua', '$S1', 10), (1, 1, 'b.lua', '$S2', 20);
	INSERT INTO releases VALUES (1, 'stable', 1, 1, '$S7', 122, 100, 'active', '', 'c2ln', 1700000000, 1700000000);"
# the signing key the old lfsd made and signed its releases with
mkdir -m 700 "$T/data/keys"
(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$T/data/keys/signing.pem")
start_lfsd "$T/data"; ok $? "lfsd starts on a schema-2 database"
[ ! -e "$DATA/blobs/${S9:0:2}/$S9" ]; ok $? "the listing blob no row names any more is swept"
[ -e "$DATA/blobs/${S7:0:2}/$S7" ] && [ -e "$DATA/blobs/${S1:0:2}/$S1" ]; ok $? "image and source blobs stay"
is "$(sqlite3 "$DATA/lfsd.db" 'PRAGMA user_version')" "$(ls "$ROOT"/schema/*.sql | sed -n '$s|.*/0*\([0-9]*\)_.*|\1|p')" "migrated to the newest schema"
is "$(sqlite3 "$DATA/lfsd.db" "select count(*) from pragma_table_info('builds') where name in ('result_json', 'listing_sha256')")" 0 "no --json text, no listing blob column"
is "$(req "$URL/builds/1")" 200 "GET /builds/1"
is "$(jq -c '[.modules, .warnings, .strings, .effective, .files[1].name]' "$T/body")" \
	'[[{"name":"a","file":"a.lua","image_bytes":52,"flash_bytes":60,"functions":1},{"name":"b","file":"b.lua","image_bytes":70,"flash_bytes":80,"functions":2}],[{"file":"b.lua","line":0,"message":"a warning"}],{"vector":5,"short":75,"long":1},{"seed":42,"timestamp":1700000000,"kind":"image","flash_size":200},"b.lua"]' \
	"modules, warnings, strings and effective options read back from typed columns"
is "$(jq -r .listing "$T/body")" /builds/1/listing "the listing is offered (made on demand)"
is "$(req "$URL/releases/1")" 200 "its release reads back"
is "$(sqlite3 "$DATA/lfsd.db" "select value from settings where key = 'signing_key_sha256'")" \
	"$(openssl pkey -in "$DATA/keys/signing.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)" \
	"the old signing key is kept, its fingerprint recorded"
stop_lfsd
done_testing

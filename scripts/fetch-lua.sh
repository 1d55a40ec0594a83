#!/bin/sh
# Obtains the unmodified reference Lua sources from Debian's source package with
# apt's ordinary client (design.md §2). Uses a private sources list and private
# state/cache directories under the build directory; the system's apt
# configuration is read (to reuse its mirrors and keyrings) but never changed.
# apt checks the download against the signed Sources index.
#
# usage: fetch-lua.sh SRCPKG UPSTREAM_VERSION OUTDIR
#   e.g. fetch-lua.sh lua5.3 5.3.6 build/src   -> build/src/lua-5.3.6/
set -eu
pkg=$1 ver=$2 out=$3
[ -f "$out/lua-$ver/src/lparser.c" ] && exit 0

# one apt state per package: `make -j` fetches lua5.3 and lua5.1 at once
apt_dir=$(mkdir -p "$out/apt-$pkg" && cd "$out/apt-$pkg" && pwd)
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/dl"

# deb-src lines for the same mirrors, suites and keyrings as the system's deb lines
list="$apt_dir/sources.list"
: > "$list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb[[:space:]]\{1,\}\(.*\)$/deb-src \1/p' "$f" >> "$list"
done
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk '
	function flush() {
		if (types ~ /(^|[ \t])deb([ \t]|$)/ && uris != "" && enabled != "no") {
			n = split(uris, u, /[ \t]+/); m = split(suites, s, /[ \t]+/)
			opt = signed != "" ? "[signed-by=" signed "] " : ""
			for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
				if (u[i] != "" && s[j] != "") print "deb-src " opt u[i] " " s[j] " " comps
		}
		types = uris = suites = comps = signed = enabled = ""
	}
	/^[ \t]*$/ { flush(); next }
	/^#/ { next }
	/^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
	/^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
	/^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
	/^Components:/ { sub(/^Components:[ \t]*/, ""); comps = $0 }
	/^Signed-By:/ { sub(/^Signed-By:[ \t]*/, ""); signed = $0 }
	/^Enabled:/ { sub(/^Enabled:[ \t]*/, ""); enabled = $0 }
	END { flush() }' "$f" >> "$list"
done
# only the main distribution suites carry the source package; keep the list small
grep -v -- '-security\|-updates\|-backports' "$list" > "$list.main" || true
[ -s "$list.main" ] && mv "$list.main" "$list"
[ -s "$list" ] || { echo "fetch-lua: no Debian sources configured in /etc/apt" >&2; exit 1; }

APT="apt-get -q -o Dir::Etc::SourceList=$list -o Dir::Etc::SourceParts=/dev/null
 -o Dir::State::Lists=$apt_dir/lists -o Dir::Cache=$apt_dir/cache
 -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
$APT update >"$apt_dir/update.log" 2>&1 || { cat "$apt_dir/update.log" >&2; exit 1; }
(cd "$apt_dir/dl" && $APT source --download-only "$pkg" >"$apt_dir/source.log" 2>&1) ||
	{ cat "$apt_dir/source.log" >&2; exit 1; }

orig=$(ls "$apt_dir/dl/${pkg}_${ver}.orig.tar."* 2>/dev/null | head -1)
[ -n "$orig" ] || { echo "fetch-lua: $pkg source for upstream $ver not found" >&2; ls "$apt_dir/dl" >&2; exit 1; }
tar -xf "$orig" -C "$out"
[ -f "$out/lua-$ver/src/lparser.c" ] || { echo "fetch-lua: unexpected layout in $orig" >&2; exit 1; }
echo "fetch-lua: $pkg -> $out/lua-$ver" >&2

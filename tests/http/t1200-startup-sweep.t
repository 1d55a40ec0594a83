#!/bin/bash
# t1200-startup-sweep: lfsd's start-up sweep of /dev/shm/lfsd-* build roots
# removes only what an lfsd of its uid made there (issue 11, item 1). Planted:
# a root of a dead lfsd holding a symlink to a victim directory, a root that
# is itself a symlink to a victim, and a root of another user; each victim
# and the other user's files stay intact, while a real stale root goes.
. "$(dirname "$0")/lib.sh"

if [ ! -d /dev/shm ] || [ ! -w /dev/shm ]; then
	echo "1..0 # skip no writable /dev/shm (lfsd then builds in DATA/tmp)"
	exit 0
fi
dead_pid() {   # a pid that no process has now
	sh -c 'echo $$'
}
victim() {     # victim DIR: a directory with two files
	mkdir -p "$1" && echo keep >"$1/signing.pem" && echo keep >"$1/other"
}
intact() {     # intact DIR TEXT
	[ "$(cat "$1/signing.pem" 2>/dev/null)$(cat "$1/other" 2>/dev/null)" = keepkeep ]
	ok $? "$2"
}
tag=t1200-$$
# 1. a dead lfsd's root with a link to a victim inside a workspace, and a
#    workspace that is itself a link
victim "$T/victim1"; victim "$T/victim2"
r1=/dev/shm/lfsd-$tag-a
mkdir -m 0700 "$r1" "$r1/build-x"
ln -s "$T/victim1" "$r1/build-x/k"
ln -s "$T/victim2" "$r1/build-y"
echo "$(dead_pid)" >"$r1/owner"
# 2. a root that is a symlink to a victim holding an owner file of a dead pid
victim "$T/victim3"; echo "$(dead_pid)" >"$T/victim3/owner"; mkdir "$T/victim3/build-z"
: >"$T/victim3/build-z/a.lua"
r2=/dev/shm/lfsd-$tag-b
ln -s "$T/victim3" "$r2"
# 3. another user's root (when we can make one)
r3=/dev/shm/lfsd-$tag-c
mkdir -m 0700 "$r3" "$r3/build-q" && : >"$r3/build-q/a.lua" && echo "$(dead_pid)" >"$r3/owner"
other=0
if [ "$(id -u)" = 0 ] && chown -R 65534:65534 "$r3" 2>/dev/null; then other=1; fi
# 4. a real stale root: ours, 0700, its lfsd dead
r4=/dev/shm/lfsd-$tag-d
mkdir -m 0700 "$r4" "$r4/build-abc" && : >"$r4/build-abc/a.lua" && echo "$(dead_pid)" >"$r4/owner"
CLEAN_DIRS="$CLEAN_DIRS $r1 $r2 $r3 $r4"

start_lfsd; ok $? "lfsd started"
intact "$T/victim1" "a link inside a dead root's workspace: its target untouched"
[ ! -e "$r1" ]; ok $? "that root is removed (links removed as links)"
intact "$T/victim2" "a workspace that is a link: its target untouched"
intact "$T/victim3" "a root that is a link: its target untouched"
[ -f "$T/victim3/owner" ] && [ -f "$T/victim3/build-z/a.lua" ]
ok $? "  its owner file and workspace too"
[ -L "$r2" ]; ok $? "  the link itself is left alone"
if [ $other = 1 ]; then
	[ -f "$r3/build-q/a.lua" ] && [ -f "$r3/owner" ]; ok $? "another user's root is left intact"
else
	ok 0 "# skip not root: cannot make another user's root"
fi
[ ! -e "$r4" ]; ok $? "a real stale root of a dead lfsd is removed"
grep -q "removed stale temp '$r4/build-abc'" "$LFSD_LOG"; ok $? "and its workspace is logged"
stop_lfsd; ok $? "lfsd stops"

# the build root of lfsd itself: a link planted in a workspace, and a stray
# entry lfsd did not make, found at the next start
start_lfsd "$DATA"
victim "$T/victim4"
mkdir -m 0700 "$BUILDS/build-planted" && ln -s "$T/victim4" "$BUILDS/build-planted/k"
mkdir "$BUILDS/not-ours" && : >"$BUILDS/not-ours/x"
kill_lfsd
start_lfsd "$DATA"; ok $? "lfsd restarts after kill -9"
intact "$T/victim4" "a link in its own root's workspace: the target untouched"
[ ! -e "$BUILDS/build-planted" ]; ok $? "the workspace is removed"
[ -f "$BUILDS/not-ours/x" ]; ok $? "an entry lfsd did not make is left"
grep -q "left '$BUILDS/not-ours': lfsd did not make it" "$LFSD_LOG"; ok $? "  with a warning"
rm -rf "$BUILDS/not-ours"
stop_lfsd
done_testing

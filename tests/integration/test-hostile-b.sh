#!/bin/bash
# Hostile environments, part B (issue 17): what netlab says when things fail with stderr not a
# terminal, artifacts into a directory another user can write to, huge topology files, a daemon
# whose record cannot be written, memory pressure, non-UTF-8 bytes in JSON, daemon logs that
# would fill the run directory. Every case failed before its fix.
. "$(dirname "$0")/lib.sh"
require_root
snapshot before

LAB=t-hb-$$
# A sanitized build (ASan) reserves terabytes of address space: it cannot run under ulimit -v.
SANITIZED=$(sh -c 'ulimit -v 200000; "$0" --version >/dev/null 2>&1 && echo no || echo yes' "$NETLAB" 2>/dev/null)
track_lab "$LAB"
cat >"$TMP/small.conf" <<CONF
node h1 h2
link h1 -- h2
CONF

# ---- 17.4: %m says the error that happened, also through a pipe (isatty() used to replace it)
NETLAB_RUN_DIR=/proc/x "$NETLAB" up "$TMP/small.conf" -l "$LAB" 2>&1 | cat >"$TMP/procx.err"
ok "an error through a pipe names its errno (up with NETLAB_RUN_DIR=/proc/x: ENOENT)" \
	grep -q "Cannot create /proc/x: No such file or directory" "$TMP/procx.err"

# ---- 17.13: JSON is valid UTF-8 whatever bytes a path holds (a topology file named with \xff)
V="python3 $SRCDIR/tests/integration/validate-json.py"
SCHEMAS=$SRCDIR/docs/schema
BAD=$TMP/$'bad\xff\xc3(name'.conf
{ echo "lab $LAB"; cat "$TMP/small.conf"; } >"$BAD"
"$NETLAB" check --json "$BAD" >"$TMP/check-ff.json" 2>"$TMP/check-ff.err"
ok "check --json of a file whose name is not UTF-8: valid JSON, schema-valid" \
	$V "$SCHEMAS/check.schema.json" "$TMP/check-ff.json"
ok "up of that file" "$NETLAB" up "$BAD" -l "$LAB"
"$NETLAB" status --json >"$TMP/status-ff.json" 2>"$TMP/status-ff.err"
ok "status --json while it is up: valid JSON, schema-valid" $V "$SCHEMAS/status.schema.json" "$TMP/status-ff.json"
"$NETLAB" status --json "$LAB" >"$TMP/status1-ff.json" 2>"$TMP/status1-ff.err"
ok "status --json LAB: valid JSON, schema-valid" $V "$SCHEMAS/status.schema.json" "$TMP/status1-ff.json"
ok "the invalid bytes show as U+FFFD" grep -q 'bad\\ufffd\\ufffd(name' "$TMP/status1-ff.json"
ok "down" "$NETLAB" down "$LAB"

# ---- 17.7: names written out count against the million-name budget, and memory is bounded
# whatever the file's size. Two statements of 599,999 literal names each (14 MB), and one
# continued statement of 2.5 million names (29 MB).
python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    for p in "ab":
        f.write("node " + " ".join("%s%d" % (p, i) for i in range(1, 600000)) + "\n")
with open(sys.argv[2], "w") as f:
    f.write("node " + " \\\n ".join("n%d" % i for i in range(1, 2500000)) + "\n")
' "$TMP/names.conf" "$TMP/huge.conf"
# The exit status and peak memory (KB) of a check of $1; its stderr in $1.err.
check_rss() {
	python3 -c 'import resource,subprocess,sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[-1] + ".err", "w"))
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$NETLAB" check "$1"
}
read -r st rss <<<"$(check_rss "$TMP/names.conf")"
is "1.2 million literal names: check refuses them (2)" 2 "$st"
ok "... naming the budget" grep -q "names.conf:2:.*more than 1000000 names and statements in total" "$TMP/names.conf.err"
read -r st rss <<<"$(check_rss "$TMP/huge.conf")"
is "a 29 MB continued statement: check refuses it (2)" 2 "$st"
# (A sanitized build needs about twice as much: shadow memory and its allocator's quarantine.)
limit=$([ "$SANITIZED" = yes ] && echo 800000 || echo 300000)
ok "... in bounded memory (under $((limit / 1000)) MB; was 950 MB): ${rss} KB" test "$rss" -lt "$limit"

# ---- 17.11: under memory pressure every failure says what failed. `up` of a 200-router chain
# under address-space limits rising in small steps, from where netlab cannot even start to where
# the lab comes up: every attempt that fails prints a message (an -ENOMEM from a netlink batch
# used to return unlogged: exit 1, nothing said).
cat >"$TMP/chain.conf" <<CONF
node r[1..200] router
link r[1..199] -- r[2..200]
CONF
if [ "$SANITIZED" = yes ]; then
	_n=$((_n + 1)); echo "ok $_n # SKIP a sanitized build does not run under ulimit -v"
else
	silent= came_up=no tried=0
	# From just below the address space netlab needs to start at all (its libraries: it grew
	# with the image store's libarchive) to 9 MB above it.
	floor=$(for v in $(seq 1000 1000 400000); do
		(ulimit -v "$v"; exec "$NETLAB" --version) >/dev/null 2>&1 && { echo "$v"; break; }
	done)
	for v in $(seq $((floor - 1000)) 15 $((floor + 9000))); do
		tried=$((tried + 1))
		(ulimit -v "$v"; exec "$NETLAB" up "$TMP/chain.conf" -l "$LAB") >/dev/null 2>"$TMP/mem.err"
		if [ $? = 0 ]; then
			came_up=yes
			break
		fi
		grep -q . "$TMP/mem.err" || silent="$silent $v"
		"$NETLAB" down "$LAB" >/dev/null 2>&1
	done
	is "every up that failed under ulimit -v said why ($tried limits tried; silent at: ${silent:-none})" "" "$silent"
	is "... up to the limit where the lab comes up" yes "$came_up"
	"$NETLAB" down "$LAB" >/dev/null 2>&1
fi

# ---- 17.5, 18.1: run --artifacts DIR
# A relative DIR, from a working directory other than /: everything lands under it, nothing at /
# (entering a node used to move netlab's working directory to /).
REL=artifacts-hb-$$
mkdir "$TMP/work"
case $NETLAB in */*) NETLAB=$(realpath "$NETLAB") ;; esac
st=$(cd "$TMP/work" && "$NETLAB" run -l "$LAB" "$TMP/small.conf" --artifacts "$REL" -- true 2>"$TMP/art1.err"; echo $?)
is "run --artifacts with a relative DIR: status 0" 0 "$st"
missing=
for n in h1 h2; do
	for f in addr link route route6; do
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/work/$REL/$n/$f.json" 2>/dev/null ||
			missing="$missing $n/$f.json"
	done
done
is "every node's addr, link, route, route6 JSON is under DIR (relative to the cwd)" "" "$missing"
ok "... and the lab's files too" test -f "$TMP/work/$REL/topology.conf"
ok "nothing was written at /$REL" test ! -e "/$REL"
rm -rf "/${REL:?}"

# Planted by another user in a directory it can write to: DIR/h1 -> elsewhere, a symlinked file
# in DIR/h2, and a directory of its own as DIR/h3's place. Nothing is written through them, the
# run says so last and fails.
cat >"$TMP/three.conf" <<CONF
node h1 h2 h3
link h1 -- h2
link h2 -- h3
CONF
ART=$TMP/art2
mkdir -m 1777 "$ART" "$TMP/elsewhere"
mkdir "$ART/h2"
echo precious >"$TMP/victim"
ln -s "$TMP/elsewhere" "$ART/h1"
ln -s "$TMP/victim" "$ART/h2/addr.json"
mkdir "$ART/h3"
chown -h nobody "$ART/h1" "$ART/h3"
st=$("$NETLAB" run -l "$LAB" "$TMP/three.conf" --artifacts "$ART" -- true 2>"$TMP/art2.err"; echo $?)
is "planted symlinks and another user's directory: run exits 1 although the command succeeded" 1 "$st"
ok "nothing written through the symlinked directory" test -z "$(ls -A "$TMP/elsewhere")"
is "nothing written through the symlinked file" precious "$(cat "$TMP/victim")"
ok "nothing written into another user's directory" test -z "$(ls -A "$ART/h3")"
ok "the refusals are named" grep -q "art2/h1'.*symbolic link" "$TMP/art2.err"
ok "the last line says artifacts are missing" eval 'tail -1 "$TMP/art2.err" | grep -q "artifacts of lab .* could not be saved"'
ok "the other artifacts were saved" test -s "$ART/h2/route.json"

# A DIR that belongs to another user is refused before anything runs.
mkdir "$TMP/theirs"
chown nobody "$TMP/theirs"
st=$("$NETLAB" run -l "$LAB" "$TMP/small.conf" --artifacts "$TMP/theirs" -- touch "$TMP/ran" 2>"$TMP/art3.err"; echo $?)
is "an artifacts directory of another user: refused (125), the command not run" "125:no" \
	"$st:$(test -e "$TMP/ran" && echo yes || echo no)"
ok "... saying why" grep -q "belongs to another user" "$TMP/art3.err"

# ---- 17.9: a start that cannot write its record starts nothing. The run directory on a small
# tmpfs of our own, filled up.
MNT=$TMP/mnt
mkdir -m 0700 "$MNT"
mount -t tmpfs -o size=4m,mode=0700 netlab-test "$MNT"
unmount_mnt() { umount "$MNT" 2>/dev/null; }
# Whatever happens, the lab on it goes down and the tmpfs is unmounted before lib.sh's clean-up.
trap 'NETLAB_RUN_DIR=$MNT/run "$NETLAB" down "$FULL_LAB" >/dev/null 2>&1; NETLAB_RUN_DIR=$MNT/run "$NETLAB" down "$FULL_LAB-2" >/dev/null 2>&1; unmount_mnt; _cleanup' EXIT
fill() { dd if=/dev/zero of="$MNT/fill" bs=64k 2>/dev/null; sync; }
FULL_LAB=$LAB-full
export NETLAB_RUN_DIR=$MNT/run
ok "up with the run directory on a 4 MB tmpfs" "$NETLAB" up "$TMP/small.conf" -l "$FULL_LAB"
fill
MARK=4242$$
st=$("$NETLAB" start -l "$FULL_LAB" h1 --name d1 sleep "$MARK" 2>"$TMP/start-full.err"; echo $?)
is "start with the run directory full: exit 1" 1 "$st"
ok "... saying the record cannot be written" grep -q "d1.pid'.*No space left on device" "$TMP/start-full.err"
ok "... and no daemon runs untracked" eval '! pgrep -f "^sleep $MARK\$" >/dev/null'
rm -f "$MNT/fill"
ok "with space again, start d1 works" "$NETLAB" start -l "$FULL_LAB" h1 --name d1 sleep "$MARK"
is "... one copy" 1 "$(pgrep -fc "^sleep $MARK\$")"
ok "stop d1 knows it" "$NETLAB" stop -l "$FULL_LAB" h1 d1
ok "down" "$NETLAB" down "$FULL_LAB"

# ---- 17.15: a daemon's log is bounded (NETLAB_LOG_MAX, here 64K: NAME.log and NAME.log.1 at
# most), so one noisy daemon cannot fill the run directory every lab shares. A daemon writes
# 8 MB, twice the 4 MB run directory; then another lab still comes up there.
cat >"$TMP/noisy.conf" <<CONF
node h1 h2
link h1 -- h2
start h1 sh -c 'yes | head -c 8000000; echo noisy-done; exec sleep 1000'
CONF
ok "up of a lab with a noisy daemon (NETLAB_LOG_MAX=64K)" env NETLAB_LOG_MAX=64K "$NETLAB" up "$TMP/noisy.conf" -l "$FULL_LAB"
for i in $(seq 1 200); do grep -qs noisy-done "$MNT/run/$FULL_LAB/h1/sh.log" && break; sleep 0.1; done
ok "the daemon's last line is in its log" grep -q noisy-done "$MNT/run/$FULL_LAB/h1/sh.log"
size=$(du -sk "$MNT/run/$FULL_LAB/h1" | cut -f1)
ok "its logs take at most 2 x 64K (${size}K)" test "$size" -le 136
ok "the one before is kept as sh.log.1" test -s "$MNT/run/$FULL_LAB/h1/sh.log.1"
ok "another lab still comes up in that run directory" "$NETLAB" up "$TMP/small.conf" -l "$FULL_LAB-2"
ok "down of both" sh -c '"$1" down "$2" && "$1" down "$2-2"' - "$NETLAB" "$FULL_LAB"
unset NETLAB_RUN_DIR

# Every message this test provoked, through pipes and files: none carries isatty()'s errno.
ok "no message in this test says 'Inappropriate ioctl for device'" \
	eval '! grep -rq "Inappropriate ioctl" "$TMP"'
unmount_mnt
host_unchanged
plan "$_n"
done_testing

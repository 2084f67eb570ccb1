#!/bin/bash
# Files next to the topology (issue 16.6): relative paths (bind sources, `file ... from`) are
# the topology file's directory's, `file NODE PATH from SRC` renders SRC with the same %...%
# templates as a here-document, `exec` and `start` run in that directory, and the copy of the
# topology the lab keeps is self-contained: the lab's runtime verbs work with the user's tree
# gone.
. "$(dirname "$0")/lib.sh"
require_root
plan 18
snapshot before

L=t-rel-$$
track_lab "$L"
D=$TMP/proj
mkdir -p "$D/r1" "$D/r2" "$D/data"
echo "shared" >"$D/data/x"
printf 'I am %%NODE%%, peer %%PEER:r2%%\n' >"$D/r1/app.conf"
printf 'I am %%NODE%%\n' >"$D/r2/app.conf"
cat >"$D/lab.conf" <<'CONF'
node r1 r2
link r1 10.1.0.1/30 -- r2 10.1.0.2/30
mount r[1..2] tmpfs /run/app
mount r1 bind data /mnt
file r[1..2] /run/app/app.conf from %NODE%/app.conf
exec r1 test -f data/x
start r1 ready=log:here sh -c 'pwd; echo here; exec sleep 1000'
CONF
x() { "$NETLAB" exec -l "$L" "$@"; }

# From another directory, by a relative path: the file's directory counts, not ours.
ok "up from elsewhere (exec runs in the topology's directory)" \
	sh -c "cd / && '$NETLAB' up -l '$L' '${D#/}/lab.conf'"
is "file from r1/app.conf, rendered" "I am r1, peer 10.1.0.2" "$(x r1 cat /run/app/app.conf)"
is "file from %NODE%/app.conf for r2" "I am r2" "$(x r2 cat /run/app/app.conf)"
is "a relative bind source" "shared" "$(x r1 cat /mnt/x)"
is "start runs in the topology's directory" "$D" "$(head -1 "$RUN_DIR/$L/r1/sh.log")"
ok "the lab's copy of the topology has the files inlined" \
	grep -q "^file r1 /run/app/app.conf mode=0644 <<" "$RUN_DIR/$L/topology.conf"
mv "$D" "$TMP/gone"
ok "with the user's tree gone: link show" "$NETLAB" link -l "$L" r1:eth0 show
ok "... and graph of the lab" "$NETLAB" graph "$L"
ok "down" "$NETLAB" down "$L"
printf 'node a\nmount a tmpfs /x\nfile a /x/f from nothere.conf\n' >"$TMP/bad.conf"
res=$("$NETLAB" check "$TMP/bad.conf" 2>&1)
is "a missing source is file:line:col" "$TMP/bad.conf:3:18: cannot read '$TMP/nothere.conf': No such file or directory" \
	"$(printf '%s\n' "$res" | head -1)"

# A topology read from a pipe (/dev/stdin, bash's <(...)) is text given on stdin: no file for
# the lab to record (it cannot be read again), relative paths from the working directory, not
# /dev's or /dev/fd's.
ok "up /dev/stdin from the project's directory" \
	sh -c "cd '$TMP/gone' && '$NETLAB' up -l '$L' /dev/stdin <lab.conf"
is "a relative bind source, from the working directory" "shared" "$(x r1 cat /mnt/x)"
is "start runs in the working directory" "$TMP/gone" "$(head -1 "$RUN_DIR/$L/r1/sh.log")"
is "status --json: file null" "None" "$("$NETLAB" status "$L" --json |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["labs"][0]["file"])')"
ok "status: file -" sh -c "'$NETLAB' status '$L' | grep -q '^lab $L: .*, file -\$'"
ok "down" "$NETLAB" down "$L"
# (/dev/fd/63 gives no default lab name: the text names its lab.)
ok "up <(...) too: no file recorded" bash -c "cd '$TMP/gone' && '$NETLAB' up <(echo 'lab $L'; cat lab.conf) &&
	'$NETLAB' status '$L' | grep -q '^lab $L: .*, file -\$' && '$NETLAB' down '$L'"
host_unchanged
done_testing

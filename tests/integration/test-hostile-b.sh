#!/bin/bash
# Hostile environments, part B (issue 17): what netlab says when things fail with stderr not a
# terminal, artifacts into a directory another user can write to, huge topology files, a daemon
# whose record cannot be written, memory pressure, non-UTF-8 bytes in JSON, daemon logs that
# would fill the run directory. Every case failed before its fix.
. "$(dirname "$0")/lib.sh"
require_root
snapshot before

LAB=t-hb-$$
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

# Every message this test provoked, through pipes and files: none carries isatty()'s errno.
ok "no message in this test says 'Inappropriate ioctl for device'" \
	eval '! grep -rq "Inappropriate ioctl" "$TMP"'
host_unchanged
plan "$_n"
done_testing

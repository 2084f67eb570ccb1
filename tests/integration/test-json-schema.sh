#!/bin/bash
# Every --json output is described by a JSON Schema in docs/schema/, and real outputs validate
# against it (python3-jsonschema): check --json of every example topology, status --json of no
# lab, of every lab and of one lab in detail, link show, doctor, and wait --json that succeeds
# and that times out.
. "$(dirname "$0")/lib.sh"
python3 -c 'import jsonschema' 2>/dev/null || skip_all "python3-jsonschema not installed"
require_root
plan 13
snapshot before
SCHEMAS=$SRCDIR/docs/schema
V="python3 $SRCDIR/tests/integration/validate-json.py"
L=t-json-$$
track_lab "$L"

ok "the schemas are valid JSON Schemas carrying a version" $V --check-schema "$SCHEMAS"/*.schema.json
bad=
for f in "$SRCDIR"/topologies/*.conf; do
	"$NETLAB" check --json "$f" >"$TMP/check.json" && $V "$SCHEMAS/check.schema.json" "$TMP/check.json" >"$TMP/err" ||
		bad="$bad $(basename "$f"): $(head -3 "$TMP/err")"
done
ok "check --json of every example topology validates" test -z "$bad"
[ -z "$bad" ] || echo "# $bad"
"$NETLAB" check --json "$SRCDIR/topologies/chain.conf" >"$TMP/check.json"
sed 's/"router": true/"router": 1/' "$TMP/check.json" >"$TMP/wrong.json"
is "a schema catches a wrong document" 1 "$($V "$SCHEMAS/check.schema.json" "$TMP/wrong.json" >/dev/null; echo $?)"

"$NETLAB" status --json >"$TMP/none.json"
ok "status --json validates (whatever labs there are)" $V "$SCHEMAS/status.schema.json" "$TMP/none.json"
ok "up a lab" "$NETLAB" up "$SRCDIR/topologies/lan.conf" -l "$L"
"$NETLAB" status --json >"$TMP/all.json"
ok "status --json with a lab up validates" $V "$SCHEMAS/status.schema.json" "$TMP/all.json"
"$NETLAB" status --json "$L" >"$TMP/one.json"
ok "status --json LAB (interfaces, addresses) validates" $V "$SCHEMAS/status.schema.json" "$TMP/one.json"
# Outputs other issues add: validated once they carry "version" (docs/schema/README.md).
validate_if_versioned() { # DESCRIPTION SCHEMA FILE
	_n=$((_n + 1))
	if ! python3 -c 'import json,sys; sys.exit("version" not in json.load(open(sys.argv[1])))' "$3" 2>/dev/null; then
		echo "ok $_n # SKIP $1: the output has no \"version\" member yet"
	elif $V "$2" "$3" >"$TMP/err" 2>&1; then
		echo "ok $_n - $1"
	else
		echo "not ok $_n - $1"; sed 's/^/#   /' "$TMP/err" | head -20; _failed=$((_failed + 1))
	fi
}
"$NETLAB" link -l "$L" h1:eth0 show --json >"$TMP/link.json" 2>/dev/null
validate_if_versioned "link show --json validates" "$SCHEMAS/link.schema.json" "$TMP/link.json"
"$NETLAB" wait -l "$L" --json h1 addr 192.168.10.1 >"$TMP/wait-ok.json" 2>/dev/null
ok "wait --json (the condition holds) validates" $V "$SCHEMAS/wait.schema.json" "$TMP/wait-ok.json"
# An address that never comes: the timeout's document, with what was seen instead.
"$NETLAB" wait -l "$L" --json --timeout 100ms h1 addr 192.168.10.99 >"$TMP/wait-timeout.json" 2>/dev/null
ok "wait --json (timed out) validates" $V "$SCHEMAS/wait.schema.json" "$TMP/wait-timeout.json"
ok "down" "$NETLAB" down "$L"
"$NETLAB" doctor --json >"$TMP/doctor.json" 2>/dev/null
validate_if_versioned "doctor --json validates" "$SCHEMAS/doctor.schema.json" "$TMP/doctor.json"
host_unchanged
done_testing

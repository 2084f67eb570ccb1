#!/bin/bash
# A lab inside a node (DESIGN §5): netlab run in a node, with its state in the node's private
# tmpfs, builds a lab whose nodes are nested in the outer node's namespaces; taking the outer
# lab down ends the inner one too.
. "$(dirname "$0")/lib.sh"
require_root
plan 7
snapshot before

OUT=t-nest-$$
track_lab "$OUT"
cat >"$TMP/outer.conf" <<'CONF'
node box
mount box tmpfs /mnt
CONF
cat >"$TMP/inner.conf" <<'CONF'
lab inner
node h1 h2
link h1 -- h2
CONF
chmod 755 "$TMP"
chmod 644 "$TMP/inner.conf"
in_box() { "$NETLAB" exec -l "$OUT" box env NETLAB_RUN_DIR=/mnt/netlab "$NETLAB" "$@"; }

ok "outer lab up" "$NETLAB" up -l "$OUT" "$TMP/outer.conf"
ok "a lab comes up inside a node" in_box up "$TMP/inner.conf"
ok "its nodes reach each other by name" in_box exec h1 ping -c1 -W2 -q h2
is "the inner lab's state is not in the host's run dir" "" "$(ls "$RUN_DIR" | grep -x inner)"
is "the inner nodes' hostnames" "h2" "$(in_box exec h2 hostname)"
ok "taking the outer lab down ends everything in it" "$NETLAB" down "$OUT"
host_unchanged
done_testing

# SPDX-License-Identifier: MIT
# Shared by the rootless tests (source after lib.sh): unprivileged test users with a subordinate
# id range each, made here and removed whatever happens, the host's account files restored byte
# for byte; netlab where those users reach it; newuidmap/newgidmap hidden on demand.

ACCOUNT_FILES="/etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/subuid /etc/subgid"
_rootless_users=()

# Skips the whole test where rootless labs cannot run; else saves the host's account files and
# sets the exit trap that removes the test users and puts the files back.
rootless_begin() {
	local c f
	for c in useradd userdel usermod runuser unshare newuidmap newgidmap; do
		command -v $c >/dev/null || skip_all "$c not installed"
	done
	[ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ] ||
		skip_all "user namespaces disabled (user.max_user_namespaces = 0)"
	mkdir "$TMP/etc"
	for f in $ACCOUNT_FILES; do
		[ -e "$f" ] && cp -p "$f" "$TMP/etc/"
	done
	trap 'rootless_users_gone; _cleanup' EXIT
}

# What the account files and /run/user hold, to compare before and after.
rootless_accounts_sum() {
	local f
	for f in $ACCOUNT_FILES; do ls -ld "$f"; cat "$f"; done 2>/dev/null | md5sum
	ls -A /run/user 2>/dev/null
}

# rootless_user_add USER FIRST: a user without a home, with subordinate uids and gids
# FIRST..FIRST+65535 unless useradd gave it a range (login.defs). Skips the test when it cannot.
rootless_user_add() {
	local u=$1 first=$2
	useradd -M -d /nonexistent -s /bin/sh "$u" || skip_all "cannot add a test user"
	_rootless_users+=("$u")
	grep -q "^$u:" /etc/subuid || usermod --add-subuids "$first-$((first + 65535))" "$u"
	grep -q "^$u:" /etc/subgid || usermod --add-subgids "$first-$((first + 65535))" "$u"
}

# The test users' processes killed, their /run/user directory (a test made it: it is theirs)
# removed, the users deleted, the account files as they were.
rootless_users_gone() {
	local u f rt
	for u in "${_rootless_users[@]}"; do
		pkill -KILL -U "$u" 2>/dev/null
		id "$u" >/dev/null 2>&1 || continue
		rt=/run/user/$(id -u "$u")
		[ -d "$rt" ] && [ "$(stat -c %U "$rt")" = "$u" ] && rm -rf "$rt"
		userdel "$u" >/dev/null 2>&1
	done
	for f in $ACCOUNT_FILES; do
		[ -e "$TMP/etc/${f##*/}" ] && cp -p "$TMP/etc/${f##*/}" "$f"
	done
}

# netlab as $TMP/bin/netlab, where the test users reach it (a build tree under a private
# directory may not be).
rootless_bin() {
	chmod 755 "$TMP"
	mkdir -m 755 "$TMP/bin"
	cp "$NETLAB" "$TMP/bin/netlab" && chmod 755 "$TMP/bin/netlab"
}

# hidden CMD...: CMD without newuidmap/newgidmap (hidden in a mount namespace of its own).
hidden() {
	unshare -m sh -c 'mount --bind /dev/null "$(command -v newuidmap)" &&
		mount --bind /dev/null "$(command -v newgidmap)" && exec "$@"' sh "$@"
}

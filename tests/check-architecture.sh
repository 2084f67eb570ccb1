#!/bin/bash
# docs/ARCHITECTURE.md names every C file under src/ exactly once in its "Every file, by layer"
# section (as `layer/file`). TAP; no root needed.
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
section=$(sed -n '/^## Every file, by layer/,$p' "$SRCDIR/docs/ARCHITECTURE.md")
files=$(cd "$SRCDIR/src" && ls */*.c */*.h | sort)
echo "1..$(echo "$files" | wc -l)"
n=0 bad=0
for f in $files; do
	n=$((n + 1))
	count=$(grep -o "\`$f\`" <<<"$section" | wc -l)
	if [ "$count" = 1 ]; then
		echo "ok $n - $f"
	else
		echo "not ok $n - $f is named $count times in docs/ARCHITECTURE.md (want 1)"
		bad=1
	fi
done
exit $bad

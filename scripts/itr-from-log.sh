#!/bin/sh
# SPDX-License-Identifier: MIT
# itr-from-log.sh LOG [DIR]: write back every trace a failing test dumped into its TAP log
# (tests/integration/lib.sh dump_trace: "# itr-begin TAG BYTES", lines "# itr TAG BASE64"
# of its gzip, "# itr-end TAG"; TAG is PID.NAME) as DIR/TAG (default .), so a recording
# made only on CI's host replays here. Lines may be interleaved with other output.
set -e
[ $# -ge 1 ] && [ -r "$1" ] || { echo "usage: $0 LOG [DIR]" >&2; exit 2; }
dir=${2:-.}
mkdir -p "$dir"
st=0
for spec in $(awk '$1 == "#" && $2 == "itr-begin" { print $3 ":" $4 }' "$1" | sort -u); do
	tag=${spec%:*} size=${spec##*:}
	grep -q "^# itr-end $tag\$" "$1" || { echo "$tag: no itr-end line (log cut short?)" >&2; st=1; continue; }
	awk -v tag="$tag" '$1 == "#" && $2 == "itr" && $3 == tag { print $4 }' "$1" |
		base64 -d | gunzip >"$dir/$tag"
	got=$(stat -c %s "$dir/$tag")
	if [ "$got" != "$size" ]; then
		echo "$dir/$tag: $got bytes, the log said $size" >&2
		st=1
	else
		echo "$dir/$tag"
	fi
done
exit $st

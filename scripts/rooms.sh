#!/bin/sh
# The rooms check (make test, make rooms): every host source file lives in a
# room that docs/ARCHITECTURE.md lists, and includes headers only from its own
# room and the rooms that room may call. The table in the ```rooms block of
# docs/ARCHITECTURE.md is the rule, so the document and the tree can't drift.
#
#   scripts/rooms.sh [TOP]     TOP: the tree to check (default: .)
#
# One line per broken rule, FILE:LINE: what; exit 1 if any, 0 if none.
set -eu
top=${1:-.}
doc="$top/docs/ARCHITECTURE.md"
[ -r "$doc" ] || { echo "rooms: $doc: not readable" >&2; exit 2; }

# "room: may include from" lines out of the ```rooms block
table=$(awk '/^```rooms$/ { on = 1; next } on && /^```$/ { exit } on && !/^#/ && NF' "$doc")
[ -n "$table" ] || { echo "rooms: $doc: no \`\`\`rooms block" >&2; exit 2; }

cd "$top"
# every C source or header a room could hold: the host's, the ABI and the guest's
files=$(find include lib vapic trace vmm guest -type f \( -name '*.[chS]' \) 2>/dev/null | sort)

printf '%s\n' "$table" | awk -v files="$files" '
function room_of(path,    r) {	# vmm/dev/pio.c -> vmm/dev, trace/itr.c -> trace
	r = path
	sub(/\/[^\/]*$/, "", r)
	return r
}
function exists(p,    line) {
	if (p in seen_file)
		return seen_file[p]
	seen_file[p] = ((getline line < p) >= 0)
	close(p)
	return seen_file[p]
}
BEGIN { bad = 0 }
{
	name = $1
	sub(/:$/, "", name)
	rooms[name] = 1
	for (i = 2; i <= NF; i++)
		if ($i != "-")
			allow[name, $i] = 1
}
END {
	n = split(files, f, "\n")
	for (k = 1; k <= n; k++) {
		file = f[k]
		room = room_of(file)
		if (!(room in rooms)) {
			printf "%s: in %s/, a room docs/ARCHITECTURE.md does not list\n", file, room
			bad++
			continue
		}
		ln = 0
		while ((getline line < file) > 0) {
			ln++
			if (line !~ /^[ \t]*#[ \t]*include[ \t]*"/)
				continue
			hdr = line
			sub(/^[^"]*"/, "", hdr)
			sub(/".*$/, "", hdr)
			if (hdr !~ /\//) {
				# a bare name: this room own header, or the ABI (-Iinclude)
				if (exists(room "/" hdr))
					continue
				if (exists("include/" hdr)) {
					to = "include"
				} else {
					printf "%s:%d: \"%s\" is not in %s/; name the room it comes from\n", file, ln, hdr, room
					bad++
					continue
				}
			} else if (exists(hdr)) {
				to = room_of(hdr)		# lib/opt.h, trace/itr.h, vapic/lapic.h
			} else if (exists("vmm/" hdr)) {
				to = room_of("vmm/" hdr)	# core/exit.h -> vmm/core
			} else {
				printf "%s:%d: \"%s\": no such header in any room\n", file, ln, hdr
				bad++
				continue
			}
			if (to == room)
				continue
			if (!((room, to) in allow)) {
				printf "%s:%d: includes \"%s\": %s may not call %s (docs/ARCHITECTURE.md, rooms)\n", file, ln, hdr, room, to
				bad++
			}
		}
		close(file)
	}
	exit bad ? 1 : 0
}'

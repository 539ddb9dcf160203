#!/bin/sh
# The rooms check (make test, make rooms): every host source file lives in a
# room that docs/ARCHITECTURE.md lists, and includes headers only from its own
# room and the rooms that room may call. The table in the ```rooms block of
# docs/ARCHITECTURE.md is the rule, so the document and the tree can't drift.
#
#   scripts/rooms.sh [TOP]     TOP: the tree to check (default: .)
#
#   scripts/rooms.sh [TOP [OBJDIR]]
#                              OBJDIR (e.g. build/obj): also check the calls
#                              themselves, from nm: a function a room calls is
#                              defined in that room or one it may call, so a
#                              header can't declare a call that goes upward.
#
# One line per broken rule, FILE:LINE: what; exit 1 if any, 0 if none.
set -eu
top=${1:-.}
objdir=${2:-}
doc="$top/docs/ARCHITECTURE.md"
[ -r "$doc" ] || { echo "rooms: $doc: not readable" >&2; exit 2; }

# "room: may include from" lines out of the ```rooms block
table=$(awk '/^```rooms$/ { on = 1; next } on && /^```$/ { exit } on && !/^#/ && NF' "$doc")
[ -n "$table" ] || { echo "rooms: $doc: no \`\`\`rooms block" >&2; exit 2; }

if [ -n "$objdir" ]; then
	objdir=$(cd "$objdir" 2>/dev/null && pwd) || { echo "rooms: $2: no such directory" >&2; exit 2; }
fi
cd "$top"
topabs=$(pwd)
# every C source or header a room could hold: the host's, the ABI and the guest's
files=$(find include lib vapic trace vmm guest -type f \( -name '*.[chS]' \) 2>/dev/null | sort)

rc=0
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
}' || rc=1

# the calls: each undefined symbol of an object, and the room of the object defining it
if [ -n "$objdir" ]; then
	# only objects of a host source in the tree (not the guest's, not stale ones)
	objs=$(cd "$objdir" && find . -name '*.o' | sed 's|^\./||' | sort |
	       while read -r o; do [ -f "$topabs/${o%.o}.c" ] && echo "$o"; done || true)
	[ -n "$objs" ] || { echo "rooms: $objdir: no objects" >&2; exit 2; }
	# one nm per kind over every object (-A: each line "OBJECT:..."): a process per object
	# made this check most of 05-rooms.t's 18 s
	{
		printf '%s\n' "$table" | sed 's/^/T /'
		# shellcheck disable=SC2086 # one word per object, names without blanks (find above)
		(cd "$objdir" && nm -A --defined-only -g $objs) |
			awk '{ o = $1; sub(/:.*/, "", o); if (NF == 3) print "D", $3, o }'
		# shellcheck disable=SC2086
		(cd "$objdir" && nm -A -u $objs) | awk '{ o = $1; sub(/:.*/, "", o); print "U", $NF, o }'
	} | awk '
	function room_of(path,    r) { r = path; sub(/\/[^\/]*$/, "", r); return r }
	$1 == "T" { name = $2; sub(/:$/, "", name); for (i = 3; i <= NF; i++) allow[name, $i] = 1; next }
	$1 == "D" { def[$2] = $3; next }
	$1 == "U" { use[++n] = $2; user[n] = $3 }
	END {
		bad = 0
		for (k = 1; k <= n; k++) {
			if (!(use[k] in def))
				continue	# libc, libyaml, Zydis ...
			from = room_of(user[k]); to = room_of(def[use[k]])
			if (from == to || (from, to) in allow)
				continue
			key = user[k] " " use[k]
			if (key in said)
				continue
			said[key] = 1
			printf "%s: calls %s() of %s: %s may not call %s (docs/ARCHITECTURE.md, rooms)\n", user[k], use[k], def[use[k]], from, to
			bad++
		}
		exit bad ? 1 : 0
	}' || rc=1
fi
exit $rc

# SPDX-License-Identifier: MIT
# The floor guest (bench/p2_floor.S) for the delivery benchmarks, P2 and P6
# (sourced after lib.sh): build it, write the scenario that floods it, run it
# and read its span. SYNCS: the sync points a run (2..32), set by the caller.
floor_top=${floor_top:-$(cd "$(dirname "$0")/.." && pwd)}	# the tree: the sourcing script is in bench/

# build_floor KIND [NAME [-DLATE|-DTRACED|-DTRACED -DFRAME_ONLY]]: $tmp/floorKIND.elf
# (or NAME); the traced floor takes the product's record macros from guest/ev_asm.h
build_floor() {
	local k=$1 name=${2:-floor$1.elf}
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] && shift
	gcc -nostdlib -static -no-pie -Wl,-Ttext-segment=0x100000 -Wl,-z,noseparate-code \
	    -Wl,--build-id=none -I"$floor_top/include" -I"$floor_top/guest" -DKIND="$k" -DNSYNC="$SYNCS" \
	    "$@" -o "$tmp/$name" "$floor_top/bench/p2_floor.S"
}

# config FILE CHECK INJECTION...: a scenario of N sync steps, each the injection
config() {
	local f=$1 check=$2 i
	shift 2
	{
		printf 'name: p2-deliveries\nguest: storm\ntimeout: 30\nsteps:\n'
		for i in $(seq "$SYNCS"); do
			printf '  - at: {sync: %d}\n    inject:\n      - %s\n' "$i" "$*"
		done
		printf 'checks:\n  - name: p2\n%s\n' "$check"
	} >"$f"
}

# floor_run KIND MODE [ELF [CONFIG [VMM-OPTION...]]]: "DELIVERIES NS COUNTED CHECKED",
# CHECKED 1 when the scenario's check passed
floor_run() {
	local m=$2 elf=${3:-floor$1.elf} cf=${4:-floor$1.yaml}
	shift 2
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] && shift
	$VMM run --scenario="$tmp/$cf" --irqchip="$m" --milestones "$@" "$tmp/$elf" 2>&1 |
		awk '/^vmm: milestone first at/ { a = $5 } /^vmm: milestone last at/ { b = $5 }
		     /^p2 floor: counted/ { c = $4 + 0; f = $6 + 0 }
		     /^scenario p2-deliveries: [0-9]+ passed, 0 failed/ { ok = 1 }
		     END { printf "%d %d %d %d\n", c - f, (b > a ? (b - a) * 1e6 : 0), c, ok }'
}

# rate: deliveries/s of each floor_run line on stdin
rate() { awk '{ print ($2 > 0 ? $1 * 1e9 / $2 : 0) }'; }

# failed_checks PREFIX SIDE FILE: a line when some of FILE's floor_run lines failed their check
failed_checks() {
	awk -v p="$1" -v side="$2" '!$4 { bad++ } END {
		if (bad) printf "%s: %d %s run(s) failed their check\n", p, bad, side }' "$3"
}

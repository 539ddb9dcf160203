#!/bin/bash
# make soak: every scenario in every irqchip mode it lists, N times each
# (SOAK_N, default 20), on KVM. Prints a failure count per scenario and mode
# and keeps each failing run's output under build/soak/. Exit status 1 if any
# run failed. SOAK_FILTER=REGEX limits the scenarios by name.
set -u
VMM=${1:?usage: soak.sh VMM GUEST}
GUEST=${2:?usage: soak.sh VMM GUEST}
N=${SOAK_N:-20}
FILTER=${SOAK_FILTER:-.}
OUT=build/soak
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "soak: /dev/kvm is not usable here: nothing to soak" >&2
	exit 2
fi
rm -rf "$OUT"
mkdir -p "$OUT"
total=0
failed=0
printf '%-22s %-7s %s\n' scenario irqchip "failures/runs"
for f in configs/*.yaml; do
	n=$(basename "$f" .yaml)
	echo "$n" | grep -Eq -- "$FILTER" || continue
	modes=$(sed -n 's/^irqchip: *\[\(.*\)\].*/\1/p; s/^irqchip: *\([a-z]*\) *$/\1/p' "$f" | tr -d ' ' | tr ',' ' ')
	for m in ${modes:-kernel split user}; do
		bad=0
		for i in $(seq "$N"); do
			# the scenario's own timeout is the watchdog; this bounds a wedged VMM
			if ! timeout -k 5 300 "$VMM" run --quiet --scenario "$f" --irqchip="$m" "$GUEST" \
				>"$OUT/$n.$m.$i.out" 2>&1; then
				bad=$((bad + 1))
			else
				rm -f "$OUT/$n.$m.$i.out"
			fi
		done
		printf '%-22s %-7s %d/%d\n' "$n" "$m" "$bad" "$N"
		total=$((total + N))
		failed=$((failed + bad))
	done
done
if [ "$failed" -gt 0 ]; then
	echo "soak: $failed failures in $total runs (outputs of the failing runs: $OUT/)"
else
	echo "soak: 0 failures in $total runs"
fi
[ "$failed" -eq 0 ]

# P2's bound from the traced floor (bench/p2_deliveries.sh): the floor's own
# handlers writing the records a traced delivery needs, with the product's
# macros, and no irq layer; its time a delivery over the floor's is the most
# any fully traced guest can reach, whatever its irq layer or the VMM does.
# Reads the script's cell lines: KIND MODE FLOOR-US TRACED-US FLOOR-X/D
# TRACED-X/D HANDLER-US TRACED-FLOOR-RATE (deliveries/s); g= the goal in %.
# A cell with no floor or no traced floor measured says so and bounds
# nothing: a missing number never proves a goal out of reach.
{
	tf = $8 > 0 ? 1e6 / $8 : 0
	if (!($3 > 0) || !(tf > 0)) {
		printf "  %-13s %-7s traced floor: not measured\n", $1, $2
		next
	}
	b = 100 * $3 / tf
	printf "  %-13s %-7s traced floor %6.1f us, the records %+6.1f us: at best %5.1f%% of the floor\n",
	       $1, $2, tf, tf - $3, b
	if (!n++ || b < worst)
		worst = b
	if (n == 1 || b > best)
		best = b
}
END {
	if (!n) {
		print "full tracing alone: not measured in any cell"
		exit
	}
	v = "within reach of these records: the rest is the irq layer of the guest"
	if (worst < g)
		v = "out of reach with these records on this host"
	printf "full tracing alone allows at most %.1f%% in the worst cell (%.1f%% in the best; goal %d%% in every cell): %s\n",
	       worst, best, g, v
}

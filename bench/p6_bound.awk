# P6's verdict and its bound (bench/p6_storm.sh). Every storm delivery, an
# exception's too, writes at least its ENTRY and IRET records, so a storm
# injection takes at least the bare delivery (vmm probe's floor) plus what
# those two records cost: the floor guest writing only them, against itself
# untraced, in the same run. Reads MODE INJ/S FLOOR/S FLOOR-US FRAME-US (the
# floor guest's time a delivery, untraced and writing ENTRY and IRET); g= the
# goal in %. A mode whose two records were not measured says so and bounds
# nothing: a missing number never proves a goal out of reach.
{
	r = $3 > 0 ? 100 * $2 / $3 : 0
	if (!m++ || r < worst)
		worst = r
	rec = $5 - $4
	if (!($3 > 0) || !($4 > 0) || !($5 > 0)) {
		line[m] = sprintf("  %-8s ENTRY and IRET: not measured", $1)
		next
	}
	if (rec < 0)
		rec = 0
	bare = 1e6 / $3
	b = 100 * bare / (bare + rec)
	line[m] = sprintf("  %-8s ENTRY and IRET %+6.1f us a delivery: at best %5.1f%% of the floor (%.1f us + %.1f us)",
			  $1, rec, b, bare, rec)
	if (!n++ || b < bound)
		bound = b
}
END {
	for (i = 1; i <= m; i++)
		print line[i]
	if (n)
		printf "two records alone allow at most %.1f%% in the worst mode (goal %d%% in every mode): %s\n",
		       bound, g, bound < g ? "out of reach on this host" : "within reach of these records"
	else
		print "two records alone: not measured in any mode"
	v = worst >= g ? "PASS" : n && bound < g ? sprintf("MISS (out of reach: two records alone allow at most %.1f%%)", bound) : "MISS"
	printf "P6 storm: goal >= %d%% of the floor, measured %.1f%% (the worst mode): %s\n", g, worst, v
}

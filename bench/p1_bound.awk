# P1's bound and verdict (bench/p1_boot.sh): a run takes at least the floor
# VM's time plus its guest's CPL0 instructions, each emulated at vmm probe's
# time of one (ns=, in ns), CPL3 aside; so a goal under that bound is out of
# reach whatever the VMM does. Where the probe timed one with a memory operand
# too (mns=, the mean of its load and store) and p1_insns.sh counted those,
# they are taken at that time. Reads what p1_boot.pl and p1_insns.sh printed;
# prints nothing unless it found every number.
/^vmm \(KVM\) / { vf = $3; vx = $4 }
/^floor: 10x QEMU TCG means first-irq <= / { gf = $8; gx = $13; ff = $19; fx = $22 }
/^P1 instructions \(.* CPL0 to first delivery / { nf = $12 + 0; nx = $15 + 0 }
/^P1 instructions with a memory operand: CPL0 to first delivery / { mf = $11 + 0; mx = $14 + 0; mem = 1 }
function verdict(v, g, b) {
	if (v <= g)
		return "PASS"
	if (b > g)
		return "MISS (out of reach: its bound is over the goal)"
	return sprintf("MISS (%.1f ms over; its bound leaves %.1f ms)", v - g, g - b)
}
END {
	if (!(ns > 0) || !(nf > 0) || !(nx > 0) || !(gf > 0) || !(gx > 0) || !(ff > 0) || !(fx > 0) ||
	    !(vf > 0) || !(vx > 0))
		exit
	if (mem && mns > 0 && mf <= nf && mx <= nx) {
		gf_ms = ((nf - mf) * ns + mf * mns) / 1e6
		gx_ms = ((nx - mx) * ns + mx * mns) / 1e6
		printf "P1 bound: the floor VM plus the guest's CPL0 instructions at vmm probe's times, %g ns a register " \
		       "one and %g ns one with a memory operand (%d of %d to exit): ", ns, mns, mx, nx
	} else {
		gf_ms = nf * ns / 1e6
		gx_ms = nx * ns / 1e6
		printf "P1 bound: the floor VM plus the guest's CPL0 instructions at %g ns each (vmm probe): ", ns
	}
	bf = ff + gf_ms
	bx = fx + gx_ms
	printf "first-irq >= %.1f + %.1f = %.1f ms, exit >= %.1f + %.1f = %.1f ms\n", ff, gf_ms, bf, fx, gx_ms, bx
	printf "P1: goal 10x QEMU TCG: first-irq %.1f ms against <= %.1f: %s; exit %.1f ms against <= %.1f: %s\n",
	       vf, gf, verdict(vf, gf, bf), vx, gx, verdict(vx, gx, bx)
}

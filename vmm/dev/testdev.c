// SPDX-License-Identifier: MIT
/*
 * pc-testdev's IOAPIC line ports: a byte OUT to 0x2000 + pin sets the pin's
 * input line before the OUT completes, 0 deasserted and anything else
 * asserted (QEMU sets the line to the value's truth, !!data). It is the one
 * injection API's pin assert/deassert, so every irqchip mode takes it the
 * way it takes a scenario's (kernel: KVM_IRQ_LINE; split and user: our
 * IOAPIC), and the trace holds the same INJECT pin record.
 */
#include <stdio.h>
#include "inject.h"
#include "testdev.h"

int testdev__ioapic_write(struct vm *vm, uint16_t off, unsigned size, uint32_t val)
{
	struct injection inj = { .kind = INJ_PIN, .pin = off, .by_guest = true };
	static char why[256];
	char err[200];

	/* pio.c hands us byte OUTs inside the range; check again all the same */
	if (size != 1 || off >= IVM_TESTDEV_IOAPIC_PINS) {
		evlog__add(&vm->log, "pc-testdev: %u-byte write at +%u ignored", size, off);
		return EXIT_RESUME;
	}
	inj.action = (val & 0xff) ? PIN_ASSERT : PIN_DEASSERT;
	if ((val & 0xff) > 1)
		evlog__add(&vm->log, "pc-testdev: pin %u value %#x taken as 1", off, val & 0xff);
	if (inject__do(vm, &inj, err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "pc-testdev: IOAPIC pin %u line %d: %s", off,
			 inj.action == PIN_ASSERT, err);
		vm__stop(vm, VMM_HOST_ERROR, why);
		return EXIT_STOP;
	}
	return EXIT_RESUME;
}

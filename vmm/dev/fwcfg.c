// SPDX-License-Identifier: MIT
/*
 * fw_cfg's two ports as QEMU's x86 machines have them (the "comb" region of
 * hw/nvram/fw_cfg.c): both take a byte IN, the next data byte, and a 16-bit
 * OUT, a select. A byte OUT is a data write, which QEMU has ignored since
 * 2.4: so do we. pio.c drops every other size before we see it.
 */
#include "model/fwcfg.h"
#include "fwcfg.h"

static struct fwcfg_machine machine_of(const struct vm *vm)
{
	/* APIC ID = vCPU index and no hotplug: the APIC ID limit is the vCPU count */
	return (struct fwcfg_machine){ .ram_size = vm->mem.size, .nb_cpus = (uint16_t)vm->nr_vcpus,
				       .max_cpus = (uint16_t)vm->nr_vcpus };
}

uint32_t fwcfg_port__read(struct vm *vm, uint16_t off, unsigned size)
{
	struct fwcfg_machine m = machine_of(vm);

	return fwcfg__read(&vm->fwcfg, &m);
}

int fwcfg_port__write(struct vm *vm, uint16_t off, unsigned size, uint32_t val)
{
	if (size == 2)
		fwcfg__select(&vm->fwcfg, (uint16_t)val);
	else
		evlog__add(&vm->log, "fw_cfg: byte write %#x at +%u ignored (no writable items)",
			   val & 0xff, off);
	return EXIT_RESUME;
}

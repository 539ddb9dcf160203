// SPDX-License-Identifier: MIT
#include <string.h>
#include "fwcfg.h"

static unsigned put_le(uint8_t *buf, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		buf[i] = (uint8_t)(v >> (8 * i));
	return n;
}

unsigned fwcfg__item(uint16_t key, const struct fwcfg_machine *m, uint8_t *buf)
{
	/* the write channel bit changes nothing for a read; arch-local items: none */
	if (key & FW_CFG_ARCH_LOCAL)
		return 0;
	switch (key & FW_CFG_ENTRY_MASK) {
	case FW_CFG_SIGNATURE:
		memcpy(buf, "QEMU", 4);
		return 4;
	case FW_CFG_ID: return put_le(buf, FW_CFG_VERSION, 4);
	case FW_CFG_RAM_SIZE: return put_le(buf, m->ram_size, 8);
	case FW_CFG_NB_CPUS: return put_le(buf, m->nb_cpus, 2);
	case FW_CFG_MAX_CPUS: return put_le(buf, m->max_cpus, 2);
	default: return 0;
	}
}

void fwcfg__reset(struct fwcfg *f)
{
	fwcfg__select(f, FW_CFG_SIGNATURE);
}

void fwcfg__select(struct fwcfg *f, uint16_t key)
{
	f->key = key;
	f->off = 0;
}

uint8_t fwcfg__read(struct fwcfg *f, const struct fwcfg_machine *m)
{
	uint8_t buf[FW_CFG_ITEM_MAX];
	unsigned len = fwcfg__item(f->key, m, buf);

	/* QEMU's fw_cfg_data_read: the offset moves only while the item lasts */
	if (f->off >= len)
		return 0;
	return buf[f->off++];
}

// SPDX-License-Identifier: MIT
/* fw_cfg's selector/offset state machine (vmm/model/fwcfg.c), without /dev/kvm. */
#include "model/fwcfg.h"
#include "tap.h"

static const struct fwcfg_machine mach = { .ram_size = 0x123456789aull, .nb_cpus = 2,
					   .max_cpus = 2 };

/* @n data reads, little-endian, as kvm-unit-tests' fw_cfg_get_u() does them */
static uint64_t read_le(struct fwcfg *f, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)fwcfg__read(f, &mach) << (8 * i);
	return v;
}

static uint64_t item(uint16_t key, unsigned n)
{
	struct fwcfg f;

	fwcfg__reset(&f);
	fwcfg__select(&f, key);
	return read_le(&f, n);
}

static void test_power_on(void)
{
	struct fwcfg f = { 0 };
	char sig[5] = { 0 };

	for (int i = 0; i < 4; i++)
		sig[i] = (char)fwcfg__read(&f, &mach);
	ok(!strcmp(sig, "QEMU"), "all-zero state: the signature, no select needed (%s)", sig);
	is_u64(fwcfg__read(&f, &mach), 0, "past the signature's 4 bytes: 0");
	fwcfg__reset(&f);
	is_u64(read_le(&f, 4), 0x554d4551, "after reset: the signature again from its first byte");
}

static void test_items(void)
{
	uint8_t buf[FW_CFG_ITEM_MAX];

	is_u64(item(FW_CFG_ID, 4), FW_CFG_VERSION, "FW_CFG_ID: 1, the traditional interface, no DMA");
	is_u64(item(FW_CFG_RAM_SIZE, 8), mach.ram_size, "FW_CFG_RAM_SIZE: 8 bytes little-endian");
	is_u64(item(FW_CFG_NB_CPUS, 2), 2, "FW_CFG_NB_CPUS: 2 bytes");
	is_u64(item(FW_CFG_MAX_CPUS, 2), 2, "FW_CFG_MAX_CPUS: 2 bytes");
	is_u64(fwcfg__item(FW_CFG_SIGNATURE, &mach, buf), 4, "signature is 4 bytes long");
	is_u64(fwcfg__item(FW_CFG_ID, &mach, buf), 4, "ID is 4 bytes long");
	is_u64(fwcfg__item(FW_CFG_RAM_SIZE, &mach, buf), 8, "RAM size is 8 bytes long");
	is_u64(fwcfg__item(FW_CFG_NB_CPUS, &mach, buf), 2, "NB_CPUS is 2 bytes long");
	is_u64(fwcfg__item(FW_CFG_MAX_CPUS, &mach, buf), 2, "MAX_CPUS is 2 bytes long");
	is_u64(item(FW_CFG_NB_CPUS, 4), 2, "reads past an item's end give 0");
	is_u64(item(FW_CFG_WRITE_CHANNEL | FW_CFG_NB_CPUS, 2), 2,
	       "the write-channel bit does not change what a read gets");
}

static void test_unknown(void)
{
	static const uint16_t keys[] = { 0x0002, 0x0004, 0x0019, 0x0020, 0x3fff, 0x8000, 0x8003,
					 0xffff };
	uint8_t buf[FW_CFG_ITEM_MAX];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		is_u64(item(keys[i], 8), 0, "key %#x: no such item, reads zeros", keys[i]);
		is_u64(fwcfg__item(keys[i], &mach, buf), 0, "key %#x: length 0", keys[i]);
	}
	is_u64(item(FW_CFG_ARCH_LOCAL | FW_CFG_SIGNATURE, 4), 0,
	       "arch-local key 0x8000 is not the signature (no arch items here)");
}

static void test_offset(void)
{
	struct fwcfg f;

	fwcfg__reset(&f);
	fwcfg__select(&f, FW_CFG_RAM_SIZE);
	is_u64(read_le(&f, 3), 0x56789a, "three bytes of RAM size");
	fwcfg__select(&f, FW_CFG_RAM_SIZE);
	is_u64(read_le(&f, 8), mach.ram_size, "a select starts the item over");
	for (int i = 0; i < 1000; i++)
		fwcfg__read(&f, &mach);
	ok(f.off == 8, "1000 reads past the end: the offset stays at the item's length (%u)", f.off);
	is_u64(fwcfg__read(&f, &mach), 0, "and reads still give 0");
	fwcfg__select(&f, FW_CFG_SIGNATURE);
	is_u64(read_le(&f, 4), 0x554d4551, "select the signature again: \"QEMU\"");
}

int main(void)
{
	test_power_on();
	test_items();
	test_unknown();
	test_offset();
	return tap_done();
}

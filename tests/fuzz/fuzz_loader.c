// SPDX-License-Identifier: MIT
/*
 * ELF loader: loader__parse, then for an accepted image loader__copy and
 * loader__write_boot_info into a fake guest RAM of exact size, as vmm run
 * does before /dev/kvm is opened. Byte 0 picks the run's options, the rest
 * is the kernel file:
 *   bits 0-2  boot protocol wanted: auto, pvh, multiboot, elf64, or 4 = an
 *             unknown one (5-7 are auto)
 *   bits 3-4  guest RAM: 1 MiB + 4 KiB, 2 MiB, 4 MiB or 8 MiB
 *   bit  5    parse only, for 3 GiB of RAM (the largest --mem)
 *   bits 6-7  command line: empty, 10 bytes, 4095 (the limit) or 4096 bytes
 */
#include "abi.h"
#include "fuzz.h"
#include "boot/loader.h"

static const uint64_t mem_sizes[4] = { 0x101000, 2 << 20, 4 << 20, 8 << 20 };
static uint8_t *ram[4];
static char cmdline[IVM_CMDLINE_MAX + 1];

/* What a successful parse promises loader__copy and the vCPU set-up. */
static void check_info(const struct load_info *li, uint64_t mem)
{
	bool in_seg = false;

	fuzz_assert(li->nsegs >= 1 && li->nsegs <= LOADER_MAX_SEGS);
	fuzz_assert(li->proto == BOOT_PVH || li->proto == BOOT_MULTIBOOT || li->proto == BOOT_ELF64);
	fuzz_assert(li->proto != BOOT_ELF64 || li->elf_class == 64);
	fuzz_assert(li->build_id_len <= sizeof(li->build_id));
	fuzz_assert(li->lo < li->hi && li->hi <= mem && li->hi <= UINT64_C(1) << 32);
	for (unsigned i = 0; i < li->nsegs; i++) {
		const struct load_seg *s = &li->segs[i];

		fuzz_assert(s->filesz <= s->memsz && s->memsz);
		fuzz_assert(s->gpa >= IVM_KERNEL_MIN_GPA && s->gpa + s->memsz <= mem);
		/* below 1 MiB, never over the boot info and command line the VMM writes */
		fuzz_assert(s->gpa >= IVM_CMDLINE_GPA + IVM_CMDLINE_MAX ||
			    s->gpa + s->memsz <= IVM_BOOT_INFO_GPA);
		for (unsigned j = 0; j < i; j++)
			fuzz_assert(s->gpa >= li->segs[j].gpa + li->segs[j].memsz ||
				    li->segs[j].gpa >= s->gpa + s->memsz);
		in_seg |= li->entry >= s->gpa && li->entry < s->gpa + s->memsz;
	}
	fuzz_assert(in_seg);
	fuzz_assert(li->proto == BOOT_ELF64 || li->entry <= UINT32_MAX);
}

/* One line, NUL-terminated, with no control characters. */
static void check_err(const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);

	fuzz_assert(n > 0 && n < errlen);
	for (size_t i = 0; i < n; i++)
		fuzz_assert((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t cmd_lens[4] = { 0, 10, IVM_CMDLINE_MAX - 1, IVM_CMDLINE_MAX };
	struct load_info li;
	struct gmem m;
	enum boot_proto want;
	char err[256];
	unsigned opt, mi;
	int ret;

	if (!size)
		return 0;
	if (!ram[0]) {
		/* exact-size heap blocks, so ASan sees any write past the end of RAM */
		for (int i = 0; i < 4; i++)
			ram[i] = malloc(mem_sizes[i]);
		memset(cmdline, 'c', sizeof(cmdline));
	}
	opt = data[0];
	want = (opt & 7) < 4 ? (enum boot_proto)(opt & 7) : (opt & 7) == 4 ? (enum boot_proto)99 :
	       BOOT_AUTO;
	mi = opt >> 3 & 3;
	m = (struct gmem){ ram[mi], mem_sizes[mi] };
	data++;
	size--;

	if (opt & 0x20) {
		ret = loader__parse(data, size, "k.elf", UINT64_C(3) << 30, want, &li, err, sizeof(err));
		if (ret)
			check_err(err, sizeof(err));
		else
			check_info(&li, UINT64_C(3) << 30);
		return 0;
	}
	ret = loader__parse(data, size, "k.elf", m.size, want, &li, err, sizeof(err));
	if (ret) {
		check_err(err, sizeof(err));
		return 0;
	}
	check_info(&li, m.size);
	if (loader__copy(data, size, &li, &m, err, sizeof(err)))
		fuzz_assert(0);	/* a parsed image always fits the RAM it was parsed for */
	cmdline[cmd_lens[opt >> 6]] = '\0';
	ret = loader__write_boot_info(&li, &m, cmdline, err, sizeof(err));
	cmdline[cmd_lens[opt >> 6]] = 'c';
	if (ret)
		check_err(err, sizeof(err));
	return 0;
}

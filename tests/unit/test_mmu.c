// SPDX-License-Identifier: MIT
/* mmu__translate/read/write against hand-built 4-level page tables. */
#include <stdlib.h>

#include "tap.h"
#include "emu/x86_mmu.h"

#define RAM		(4ull << 20)
#define P		(1ull << 0)
#define RW		(1ull << 1)
#define US		(1ull << 2)
#define PS		(1ull << 7)
#define NX		(1ull << 63)

#define CR0_PE		(1ull << 0)
#define CR0_WP		(1ull << 16)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define CR4_SMEP	(1ull << 20)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define EFER_NXE	(1ull << 11)

static struct gmem mem;

static void set(uint64_t gpa, uint64_t v)
{
	memcpy(mem.base + gpa, &v, 8);
}

/*
 * PML4 0x1000: [0] PDPT 0x2000, [1] absent, [2] table at 1 GiB (outside RAM),
 *              [3] PDPT 0x6000 supervisor-only, [4] PS set (reserved)
 * PDPT 0x2000: [0] PD 0x3000, [1] 1 GiB page at 1 GiB, [2] absent,
 *              [3] 1 GiB page with bit 13 set (reserved)
 * PD   0x3000: [0] PT 0x4000, [1] 2 MiB page at 0x200000, [2] absent,
 *              [3] 2 MiB page with bit 13 set, [4] 2 MiB supervisor read-only
 * PT   0x4000: [0] absent, [1] ->0x10000 RW U, [2] ->0x11000 RO U,
 *              [3] ->0x12000 RW S, [4] ->0x13000 RW U NX, [5] ->0x14000 RW U,
 *              [6] ->0x20000 RW U (not contiguous with [5])
 * PDPT 0x6000: [0] PD 0x3000 (user bits below, but PML4E[3] says S)
 */
static void build(void)
{
	mem.size = RAM;
	mem.base = calloc(1, RAM);
	set(0x1000 + 0 * 8, 0x2000 | P | RW | US);
	set(0x1000 + 2 * 8, 0x40000000 | P | RW | US);
	set(0x1000 + 3 * 8, 0x6000 | P | RW);
	set(0x1000 + 4 * 8, 0x2000 | P | RW | US | PS);
	set(0x2000 + 0 * 8, 0x3000 | P | RW | US);
	set(0x2000 + 1 * 8, 0x40000000 | P | RW | US | PS);
	set(0x2000 + 3 * 8, 0x80000000 | (1ull << 13) | P | RW | US | PS);
	set(0x3000 + 0 * 8, 0x4000 | P | RW | US);
	set(0x3000 + 1 * 8, 0x200000 | P | RW | US | PS);
	set(0x3000 + 3 * 8, 0x600000 | (1ull << 13) | P | RW | US | PS);
	set(0x3000 + 4 * 8, 0x800000 | P | PS);
	set(0x4000 + 1 * 8, 0x10000 | P | RW | US);
	set(0x4000 + 2 * 8, 0x11000 | P | US);
	set(0x4000 + 3 * 8, 0x12000 | P | RW);
	set(0x4000 + 4 * 8, 0x13000 | P | RW | US | NX);
	set(0x4000 + 5 * 8, 0x14000 | P | RW | US);
	set(0x4000 + 6 * 8, 0x20000 | P | RW | US);
	set(0x6000 + 0 * 8, 0x3000 | P | RW | US);
}

static struct kvm_sregs long_mode(void)
{
	struct kvm_sregs s;

	memset(&s, 0, sizeof(s));
	s.cr0 = CR0_PE | CR0_PG | CR0_WP;
	s.cr4 = CR4_PAE;
	s.efer = EFER_LME | EFER_LMA | EFER_NXE;
	s.cr3 = 0x1000;
	return s;
}

/* Translate and return the error code, or ~0ull - 1 when it succeeded with *gpa. */
static int tr(const struct kvm_sregs *s, uint64_t va, unsigned acc, uint64_t *gpa,
	      uint32_t *err)
{
	*gpa = 0xdead;
	*err = 0xdead;
	return mmu__translate(&mem, s, va, acc, gpa, err);
}

#define expect_ok(s, va, acc, want, name) do {					\
		uint64_t g; uint32_t e;						\
		int r = tr(s, va, acc, &g, &e);					\
		ok(r == 0, "%s: translates", name);				\
		is_u64(g, want, "%s: gpa", name);				\
	} while (0)

#define expect_pf(s, va, acc, want, name) do {					\
		uint64_t g; uint32_t e;						\
		int r = tr(s, va, acc, &g, &e);					\
		ok(r == -1, "%s: faults", name);				\
		is_u64(e, want, "%s: error code", name);			\
	} while (0)

static void test_mappings(void)
{
	struct kvm_sregs s = long_mode();

	expect_ok(&s, 0x1234, 0, 0x10234, "4K");
	expect_ok(&s, 0x5ffc, MMU_WRITE | MMU_USER, 0x14ffc, "4K user write");
	expect_ok(&s, 0x212345, 0, 0x212345, "2M");
	expect_ok(&s, 0x2fffff, MMU_USER, 0x2fffff, "2M last byte");
	expect_ok(&s, 0x40123456, MMU_USER | MMU_WRITE, 0x40123456, "1G");
	expect_ok(&s, 0x7fffffff, 0, 0x7fffffff, "1G last byte");

	s.cr0 &= ~CR0_PG;
	expect_ok(&s, 0x123456789, MMU_WRITE, 0x123456789, "paging off is identity");
}

static void test_not_present(void)
{
	struct kvm_sregs s = long_mode();

	expect_pf(&s, 1ull << 39, 0, 0, "PML4E absent");
	expect_pf(&s, 2ull << 30, 0, 0, "PDPTE absent");
	expect_pf(&s, 2ull << 21, 0, 0, "PDE absent");
	expect_pf(&s, 0x0, 0, 0, "PTE absent");
	expect_pf(&s, 0x0, MMU_WRITE | MMU_USER, 0x6, "PTE absent, user write: W|U");
	expect_pf(&s, 0x0, MMU_FETCH, 0x10, "PTE absent, fetch with NXE: I");
	expect_pf(&s, 2ull << 39, 0, 0, "table outside RAM is not present");
	s.cr3 = RAM;
	expect_pf(&s, 0x1000, 0, 0, "CR3 outside RAM is not present");
}

static void test_user_supervisor(void)
{
	struct kvm_sregs s = long_mode();

	expect_ok(&s, 0x3000, 0, 0x12000, "supervisor read of S page");
	expect_pf(&s, 0x3000, MMU_USER, 0x5, "user read of S page: P|U");
	expect_pf(&s, 0x3000, MMU_USER | MMU_WRITE, 0x7, "user write of S page: P|W|U");
	expect_ok(&s, (3ull << 39) | 0x1000, 0, 0x10000, "S at PML4 only: supervisor ok");
	expect_pf(&s, (3ull << 39) | 0x1000, MMU_USER, 0x5, "S at PML4 only: user faults");
	expect_pf(&s, 4ull << 21, MMU_USER, 0x5, "2M S page: user faults");
}

static void test_read_write(void)
{
	struct kvm_sregs s = long_mode();

	expect_pf(&s, 0x2000, MMU_WRITE, 0x3, "WP=1: supervisor write to RO: P|W");
	expect_pf(&s, 0x2000, MMU_WRITE | MMU_USER, 0x7, "WP=1: user write to RO");
	expect_ok(&s, 0x2000, MMU_USER, 0x11000, "RO page readable by user");
	expect_pf(&s, 4ull << 21, MMU_WRITE, 0x3, "WP=1: supervisor write to RO 2M");
	s.cr0 &= ~CR0_WP;
	expect_ok(&s, 0x2000, MMU_WRITE, 0x11000, "WP=0: supervisor write to RO ok");
	expect_ok(&s, 4ull << 21, MMU_WRITE, 0x800000, "WP=0: supervisor write to RO 2M ok");
	expect_pf(&s, 0x2000, MMU_WRITE | MMU_USER, 0x7, "WP=0: user write to RO still faults");
}

static void test_nx(void)
{
	struct kvm_sregs s = long_mode();

	expect_ok(&s, 0x4000, 0, 0x13000, "NXE=1: read of NX page");
	expect_ok(&s, 0x4000, MMU_WRITE | MMU_USER, 0x13000, "NXE=1: user write of NX page");
	expect_pf(&s, 0x4000, MMU_FETCH, 0x11, "NXE=1: fetch of NX page: P|I");
	expect_pf(&s, 0x4000, MMU_FETCH | MMU_USER, 0x15, "NXE=1: user fetch of NX page");
	expect_ok(&s, 0x1000, MMU_FETCH | MMU_USER, 0x10000, "NXE=1: fetch of X page");

	s.efer &= ~EFER_NXE;
	expect_pf(&s, 0x4000, 0, 0x9, "NXE=0: bit 63 reserved: P|RSVD");
	expect_pf(&s, 0x4000, MMU_FETCH, 0x9, "NXE=0: fetch, no I bit");
	expect_pf(&s, 0x4000, MMU_USER | MMU_WRITE, 0xf, "NXE=0: user write: P|W|U|RSVD");
	expect_ok(&s, 0x1000, MMU_FETCH, 0x10000, "NXE=0: fetch of plain page");

	s.cr4 |= CR4_SMEP;
	expect_pf(&s, 0x1000, MMU_FETCH, 0x11, "SMEP: supervisor fetch of U page: P|I");
	expect_ok(&s, 0x3000, MMU_FETCH, 0x12000, "SMEP: supervisor fetch of S page");
}

static void test_reserved(void)
{
	struct kvm_sregs s = long_mode();

	expect_pf(&s, 3ull << 30, 0, 0x9, "1G page, bit 13 set: RSVD");
	expect_pf(&s, 3ull << 21, MMU_WRITE, 0xb, "2M page, bit 13 set: RSVD|W");
	expect_pf(&s, 4ull << 39, 0, 0x9, "PS in PML4E: RSVD");
}

static void test_unsupported(void)
{
	struct kvm_sregs s = long_mode();
	uint64_t g;
	uint32_t e;

	ok(tr(&s, 0x0000800000000000ull, 0, &g, &e) == -1 && e == MMU_ERR_NOT_PF,
	   "non-canonical: not a #PF");
	s.efer &= ~EFER_LMA;
	ok(tr(&s, 0x1000, 0, &g, &e) == -1 && e == MMU_ERR_NOT_PF, "PAE legacy paging refused");
	s.cr4 &= ~CR4_PAE;
	ok(tr(&s, 0x1000, 0, &g, &e) == -1 && e == 0xffffffffu, "32-bit paging refused");
}

static void test_copy(void)
{
	struct kvm_sregs s = long_mode();
	uint8_t buf[16], want[16], zero[16] = { 0 };
	uint32_t e = 0;
	uint64_t va = 0;
	unsigned i;

	for (i = 0; i < 8; i++) {
		mem.base[0x14ff8 + i] = 0xa0 + i;
		mem.base[0x20000 + i] = 0xb0 + i;
		want[i] = 0xa0 + i;
		want[8 + i] = 0xb0 + i;
	}
	ok(mmu__read(&mem, &s, 0x5ff8, buf, 16, 0, &e, &va) == 0 && !memcmp(buf, want, 16),
	   "read across a page boundary into a non-contiguous frame");

	for (i = 0; i < 16; i++)
		buf[i] = 0xc0 + i;
	ok(mmu__write(&mem, &s, 0x5ff8, buf, 16, MMU_USER, &e, &va) == 0 &&
	   !memcmp(mem.base + 0x14ff8, buf, 8) && !memcmp(mem.base + 0x20000, buf + 8, 8),
	   "write across a page boundary");

	/* 0x7000 (PT[7]) is absent: the write must not touch page 0x20000 at all. */
	memset(mem.base + 0x20ff8, 0, 8);
	ok(mmu__write(&mem, &s, 0x6ff8, buf, 16, 0, &e, &va) == -1, "write into absent page fails");
	is_u64(e, 0x2, "  error code W");
	is_u64(va, 0x7000, "  fault va is the first byte of the absent page");
	ok(!memcmp(mem.base + 0x20ff8, zero, 8), "  nothing written before the fault");

	ok(mmu__read(&mem, &s, 0x2ff8, buf, 16, MMU_USER, &e, &va) == -1, "user read into S page");
	is_u64(e, 0x5, "  error code P|U");
	is_u64(va, 0x3000, "  fault va");

	/* 1 GiB page maps GPA 1 GiB, outside 4 MiB of RAM. */
	ok(mmu__read(&mem, &s, 0x40000000, buf, 4, 0, &e, &va) == -1 && e == MMU_ERR_NOT_PF,
	   "read of a page outside RAM: not a #PF");
	ok(mmu__read(&mem, &s, 0x5ff8, buf, 0, 0, NULL, NULL) == 0, "zero-length read");
}

int main(void)
{
	build();
	test_mappings();
	test_not_present();
	test_user_supervisor();
	test_read_write();
	test_nx();
	test_reserved();
	test_unsupported();
	test_copy();
	free(mem.base);
	return tap_done();
}

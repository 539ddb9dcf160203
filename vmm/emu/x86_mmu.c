// SPDX-License-Identifier: MIT
/*
 * Software walk of the guest's 4-level page tables (SDM Vol. 3A 4.5, 4.6, 4.7).
 *
 * Supported: paging off (GVA == GPA) and IA-32e 4-level paging with 4 KiB,
 * 2 MiB and 1 GiB pages. 32-bit, PAE legacy and 5-level paging are refused
 * with MMU_ERR_NOT_PF, as are non-canonical addresses (a #GP, not a #PF, on
 * the CPU). Not modelled: SMAP and protection keys (they need RFLAGS.AC, the
 * PKRU and the explicit/implicit nature of the access, which callers do not
 * pass), and the A/D bit updates (the walk is read-only so that a failed
 * delivery leaves guest memory untouched). MAXPHYADDR is taken as 52, so no
 * address bits are reserved: the VMM does not know the guest's CPUID value,
 * and a table outside RAM is reported as not present anyway.
 */
#include <string.h>

#include "x86_mmu.h"

#define CR0_WP		(1ull << 16)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define CR4_LA57	(1ull << 12)
#define CR4_SMEP	(1ull << 20)
#define EFER_LMA	(1ull << 10)
#define EFER_NXE	(1ull << 11)

#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_US		(1ull << 2)
#define PTE_PS		(1ull << 7)
#define PTE_NX		(1ull << 63)
#define PTE_ADDR	0x000ffffffffff000ull	/* bits 51:12, MAXPHYADDR 52 */

/* Bits that must be 0 in a large-page entry (the PAT bit 12 is allowed). */
#define PDPTE_1G_RSVD	0x3fffe000ull	/* 29:13 */
#define PDE_2M_RSVD	0x001fe000ull	/* 20:13 */

#define PF_P		(1u << 0)
#define PF_RSVD		(1u << 3)

#define PAGE_SIZE	4096ull

static int fail(uint32_t *pf_err, uint32_t err)
{
	*pf_err = err;
	return -1;
}

int mmu__translate(const struct gmem *m, const struct kvm_sregs *sregs, uint64_t gva,
		   unsigned acc, uint64_t *gpa, uint32_t *pf_err)
{
	static const unsigned shift[4] = { 39, 30, 21, 12 };
	bool nxe = sregs->efer & EFER_NXE;
	bool smep = sregs->cr4 & CR4_SMEP;
	bool user_ok = true, write_ok = true, nx = false;
	uint64_t table, e = 0, page_mask = 0;
	uint32_t err;
	int lvl;

	if (!(sregs->cr0 & CR0_PG)) {
		*gpa = gva;
		return 0;
	}
	if (!(sregs->cr4 & CR4_PAE) || !(sregs->efer & EFER_LMA) || (sregs->cr4 & CR4_LA57))
		return fail(pf_err, MMU_ERR_NOT_PF);
	if ((uint64_t)((int64_t)(gva << 16) >> 16) != gva)
		return fail(pf_err, MMU_ERR_NOT_PF);

	/* W and U describe the access; I only when NX or SMEP makes fetches special. */
	err = acc & (MMU_WRITE | MMU_USER);
	if ((acc & MMU_FETCH) && (nxe || smep))
		err |= MMU_FETCH;

	table = sregs->cr3 & PTE_ADDR;
	for (lvl = 0; lvl < 4; lvl++) {
		uint64_t rsvd = nxe ? 0 : PTE_NX;
		const void *p;
		bool leaf;

		p = gmem__ptr(m, table + ((gva >> shift[lvl]) & 511) * 8, 8);
		if (!p)		/* table outside RAM: nothing the CPU could use */
			return fail(pf_err, err);
		memcpy(&e, p, 8);
		if (!(e & PTE_P))
			return fail(pf_err, err);

		leaf = lvl == 3 || (lvl > 0 && (e & PTE_PS));
		if (lvl == 0)
			rsvd |= PTE_PS;
		else if (lvl == 1 && leaf)
			rsvd |= PDPTE_1G_RSVD;
		else if (lvl == 2 && leaf)
			rsvd |= PDE_2M_RSVD;
		if (e & rsvd)
			return fail(pf_err, err | PF_P | PF_RSVD);

		/* Rights are the AND (NX: the OR) over every level. */
		user_ok = user_ok && (e & PTE_US);
		write_ok = write_ok && (e & PTE_RW);
		nx = nx || (nxe && (e & PTE_NX));
		if (leaf) {
			page_mask = (1ull << shift[lvl]) - 1;
			break;
		}
		table = e & PTE_ADDR;
	}

	if (acc & MMU_USER) {
		if (!user_ok || ((acc & MMU_WRITE) && !write_ok))
			return fail(pf_err, err | PF_P);
	} else {
		if ((acc & MMU_WRITE) && !write_ok && (sregs->cr0 & CR0_WP))
			return fail(pf_err, err | PF_P);
		if ((acc & MMU_FETCH) && smep && user_ok)
			return fail(pf_err, err | PF_P);
	}
	if ((acc & MMU_FETCH) && nx)
		return fail(pf_err, err | PF_P);

	*gpa = (e & PTE_ADDR & ~page_mask) | (gva & page_mask);
	return 0;
}

enum xfer_op { XFER_CHECK, XFER_READ, XFER_WRITE };

/*
 * Walk [gva, gva + len) page by page. XFER_CHECK only checks that every page
 * translates and lies in RAM; mmu__write checks first so that a fault never
 * leaves a partial write behind.
 */
static int xfer(const struct gmem *m, const struct kvm_sregs *sregs, uint64_t gva,
		uint8_t *dst, const uint8_t *src, uint64_t len, unsigned acc, enum xfer_op op,
		uint32_t *pf_err, uint64_t *fault_va)
{
	uint32_t err_dummy;
	uint64_t va_dummy;

	if (!pf_err)
		pf_err = &err_dummy;
	if (!fault_va)
		fault_va = &va_dummy;

	while (len) {
		uint64_t chunk = PAGE_SIZE - (gva & (PAGE_SIZE - 1)), gpa;
		uint8_t *p;

		if (chunk > len)
			chunk = len;
		if (mmu__translate(m, sregs, gva, acc, &gpa, pf_err)) {
			*fault_va = gva;
			return -1;
		}
		p = gmem__ptr(m, gpa, chunk);
		if (!p) {
			*pf_err = MMU_ERR_NOT_PF;
			*fault_va = gva;
			return -1;
		}
		if (op == XFER_READ) {
			memcpy(dst, p, chunk);
			dst += chunk;
		} else if (op == XFER_WRITE) {
			memcpy(p, src, chunk);
			src += chunk;
		}
		gva += chunk;
		len -= chunk;
	}
	return 0;
}

int mmu__read(const struct gmem *m, const struct kvm_sregs *sregs, uint64_t gva, void *dst,
	      uint64_t len, unsigned acc, uint32_t *pf_err, uint64_t *fault_va)
{
	return xfer(m, sregs, gva, dst, NULL, len, acc, XFER_READ, pf_err, fault_va);
}

int mmu__write(const struct gmem *m, const struct kvm_sregs *sregs, uint64_t gva, const void *src,
	       uint64_t len, unsigned acc, uint32_t *pf_err, uint64_t *fault_va)
{
	acc |= MMU_WRITE;
	if (xfer(m, sregs, gva, NULL, NULL, len, acc, XFER_CHECK, pf_err, fault_va))
		return -1;
	return xfer(m, sregs, gva, NULL, src, len, acc, XFER_WRITE, pf_err, fault_va);
}

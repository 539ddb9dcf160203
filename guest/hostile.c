// SPDX-License-Identifier: MIT
/*
 * test=hostile: a guest that breaks every promise of the ABI (include/abi.h)
 * on purpose, for the VMM's defences: records it could never make, published
 * under correct seqs so the VMM reads them; a rewound tail and a wild
 * reservation count; hypercall blocks of unknown kinds, over-long lengths,
 * outside RAM and across its end; terminal escapes in every string the VMM
 * prints; a page registered outside RAM and with a wrong magic. The VMM must
 * refuse each, say so, and still end with a clear report and a valid trace.
 */
#include "programs.h"

static struct ivm_hcall raw __aligned(64) __percpu;

static void raw_hcall(uint32_t kind, uint32_t len, const char *msg, uint64_t arg0)
{
	raw.kind = kind;
	raw.len = len;
	raw.args[0] = arg0;
	for (uint32_t i = 0; msg && i < IVM_HCALL_MSG_MAX && msg[i]; i++)
		raw.msg[i] = msg[i];
	outl(IVM_PORT_HCALL, (uint32_t)virt_to_phys(&raw));
}

/* Publish @e as the VMM expects (reserve, fill, seq), whatever it holds. */
static void forge(struct ivm_event e)
{
	uint32_t pos = ivm_page.ev_reserved;

	e.seq = pos + 1;
	ivm_page.ev[pos % IVM_EV_RING] = e;
	ivm_page.ev_reserved = pos + 1;
}

void hostile_run(void)
{
	static const char ansi[] = "\x1b[2J\x1b]0;owned\x07 milestone \xff\\";
	uint32_t reserved;

	/* records the guest could not have made */
	forge((struct ivm_event){ .kind = 0 });
	forge((struct ivm_event){ .kind = 32, .vector = 0x41 });	/* a host INJECT's type */
	forge((struct ivm_event){ .kind = 0xff });
	forge((struct ivm_event){ .kind = IVM_EV_MARK, .depth = 200 });
	forge((struct ivm_event){ .kind = IVM_EV_ENTRY, .vector = 0x30, .cpl = 7, .arg = ~0u });
	forge((struct ivm_event){ .kind = IVM_EV_ENTRY, .vector = 0x30, .stack = 99, .arg = ~0u });
	forge((struct ivm_event){ .kind = IVM_EV_ENTRY, .vector = 0x30, .arg = 5 });
	forge((struct ivm_event){ .kind = IVM_EV_MARK, .arg = 0x600d });	/* a good one */
	hc_sync(1);

	/* a rewound tail and a reservation count from nowhere: nothing read twice */
	ivm_page.ev_tail = 0;
	reserved = ivm_page.ev_reserved;
	ivm_page.ev_reserved = reserved + 0x40000000u;
	hc_sync(2);
	ivm_page.ev_reserved = reserved;

	/* hypercall blocks */
	raw_hcall(9999, 0, NULL, 0);				/* unknown kind */
	raw_hcall(IVM_HC_PRINT, 5000, "x", 0);			/* len past msg[] */
	outl(IVM_PORT_HCALL, 0xfffff000u);			/* outside RAM */
	raw_hcall(IVM_HC_EXC_RESULT, 3, "abc", 0);		/* the wrong size */
	raw_hcall(IVM_HC_PRINT, sizeof(ansi) - 1, ansi, 0);	/* terminal escapes */
	raw_hcall(IVM_HC_MILESTONE, sizeof(ansi) - 1, ansi, 1);
	raw_hcall(IVM_HC_REGISTER, 0, NULL, 0xfffff000u);	/* a page outside RAM */
	raw_hcall(IVM_HC_REGISTER, 0, NULL, virt_to_phys(&raw));	/* no magic there */
	raw_hcall(IVM_HC_SYNC, 0, NULL, ~0ull);			/* a sync point no scenario has */
	printf("hostile: done\n");
	raw_hcall(IVM_HC_ASSERT, sizeof(ansi) - 1, ansi, 42);	/* ends the run */
}

// SPDX-License-Identifier: MIT
/* C entry: find the command line, set up the CPU tables, run the program it names (ivm.h). */
#include "ivm.h"

int boot_protocol;

static const char *const proto_names[] = {
	[BOOT_PVH] = "pvh", [BOOT_MULTIBOOT] = "multiboot", [BOOT_ELF64] = "elf64",
};

#define BANNER_HEAD(boot, host)	"ivm guest: boot=" boot " host=" host " cmdline='"
#define BANNER_HEADS(boot)	{ { BANNER_HEAD(boot, "other"), sizeof(BANNER_HEAD(boot, "other")) - 1 }, \
				  { BANNER_HEAD(boot, "ivm"), sizeof(BANNER_HEAD(boot, "ivm")) - 1 } }

/* The banner up to its command line, by [boot protocol or 0 for "?"][on_ivm] */
static const struct {
	const char *s;
	size_t len;
} banner_heads[][2] = {
	[0] = BANNER_HEADS("?"),
	[BOOT_PVH] = BANNER_HEADS("pvh"),
	[BOOT_MULTIBOOT] = BANNER_HEADS("multiboot"),
	[BOOT_ELF64] = BANNER_HEADS("elf64"),
};
_Static_assert(ARRAY_SIZE(banner_heads) == ARRAY_SIZE(proto_names), "a head per protocol");

/*
 * The line printf("ivm guest: boot=%s host=%s cmdline='%s'\n") would print,
 * written in three pieces: its vsnprintf costs ~900 emulated instructions
 * before the first delivery, the pieces ~100. A line too long for printf's
 * buffer still goes through printf, which cuts it.
 */
static void banner(int proto, const char *cmdline)
{
	size_t n = strlen(cmdline);
	unsigned int b = proto > 0 && proto < (int)ARRAY_SIZE(proto_names) ? proto : 0;

	if (banner_heads[b][on_ivm].len + n + 2 >= 256) {
		printf("ivm guest: boot=%s host=%s cmdline='%s'\n", b ? proto_names[b] : "?",
		       on_ivm ? "ivm" : "other", cmdline);
		return;
	}
	console_write(banner_heads[b][on_ivm].s, banner_heads[b][on_ivm].len);
	console_write(cmdline, n);
	console_write("'\n", 2);
}

/* Only the identity-mapped first 1 GiB is reachable */
static const char *low_ptr(uint64_t pa)
{
	return pa && pa < (1ull << 30) ? (const char *)pa : NULL;
}

static const char *boot_cmdline(int proto, uint64_t info)
{
	const struct hvm_start_info *si = (const void *)info;
	const struct multiboot_info *mb = (const void *)info;

	if (!low_ptr(info))
		return NULL;
	if (proto == BOOT_MULTIBOOT) {
		const char *p = mb->flags & MULTIBOOT_INFO_CMDLINE ? low_ptr(mb->cmdline) : NULL;
		const char *q = p;

		/* loaders (GRUB, QEMU) put the kernel's path first: skip it */
		while (q && *q && *q != ' ' && *q != '=')
			q++;
		if (q && *q != '=')
			for (p = q; *p == ' '; p++)
				;
		return p;
	}
	if (si->magic != XEN_HVM_START_MAGIC_VALUE)
		return NULL;
	return low_ptr(si->cmdline_paddr);
}

/* apic=xapic|x2apic (NULL: x2APIC when CPUID has it) */
const char *apic_mode_arg;
unsigned int scenario_count;
static const char *scenario_name;
static int scenario_len;

static bool opt_is(const char *v, int vlen, const char *s)
{
	return (int)strlen(s) == vlen && !strncmp(v, s, vlen);
}

/* The program registered (ivm.h) under @v as a test, or as an option */
static const struct ivm_program *find_program(const char *v, int vlen, bool option)
{
	const struct ivm_program *p;

	for (p = __ivm_programs_start; p < __ivm_programs_end; p++)
		if ((option ? !!p->option : !!p->test) && opt_is(v, vlen, p->name))
			return p;
	return NULL;
}

/* The test= program, else the default test (IVM_TEST_DEFAULT), else NULL */
static const struct ivm_program *parse_cmdline(const char *p)
{
	const struct ivm_program *test = NULL, *prog;

	while (p && *p) {
		const char *tok, *eq = NULL;
		int len, klen;

		while (*p == ' ')
			p++;
		tok = p;
		while (*p && *p != ' ') {
			if (*p == '=' && !eq)
				eq = p;
			p++;
		}
		len = p - tok;
		if (!len)
			break;
		klen = eq ? eq - tok : len;
		if (klen == 4 && !strncmp(tok, "test", 4) && eq) {
			const char *v = eq + 1;
			int vlen = p - v;

			prog = find_program(v, vlen, false);
			if (prog)
				test = prog;
			else
				printf("warning: unknown test '%.*s'\n", vlen, v);
		} else if (klen == 8 && !strncmp(tok, "scenario", 8) && eq) {
			scenario_name = eq + 1;
			scenario_len = p - scenario_name;
		} else if (klen == 5 && !strncmp(tok, "count", 5) && eq) {
			const char *v = eq + 1;

			/* a looping scenario program's repeat count (0: its default) */
			for (scenario_count = 0; v < p && *v >= '0' && *v <= '9' &&
			     scenario_count < 100000000u; v++)
				scenario_count = scenario_count * 10 + (*v - '0');
			if (v != p)
				printf("warning: bad count '%.*s'\n", (int)(p - eq - 1), eq + 1);
		} else if (!eq && opt_is(tok, len, "stormed")) {
			/* vmm storm --scenario: its vectors meet no handler, quietly */
			irq_quiet_unused = true;
		} else if (klen == 4 && !strncmp(tok, "apic", 4) && eq) {
			if (opt_is(eq + 1, p - eq - 1, "xapic"))
				apic_mode_arg = "xapic";
			else if (opt_is(eq + 1, p - eq - 1, "x2apic"))
				apic_mode_arg = "x2apic";
			else
				printf("warning: unknown apic mode '%.*s'\n", (int)(p - eq - 1), eq + 1);
		} else if (eq && (prog = find_program(tok, klen, true))) {
			prog->option(eq + 1, p - eq - 1);
		} else {
			printf("warning: unknown option '%.*s'\n", len, tok);
		}
	}
	for (prog = __ivm_programs_start; !test && prog < __ivm_programs_end; prog++)
		if (prog->test && (prog->flags & IVM_F_DEFAULT))
			test = prog;
	return test;
}

static void spin(void *arg __attribute__((unused)))
{
	for (;;)
		asm volatile("pause");
}

/* No IDT: #UD can't be delivered, nor the #GP and #DF that follow. */
static __noreturn void triple_fault(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) null_idt = { 0, 0 };

	asm volatile("lidt %0; ud2" : : "m"(null_idt));
	for (;;)
		;
}

static int test_none(void)
{
	return 0;
}

static int test_hang(void)		/* spin at CPL3 forever: for watchdogs */
{
	user_run(spin, NULL);
	return 0;
}

static int test_halt(void)		/* cli; hlt: only an NMI or INIT could end it */
{
	for (;;)
		asm volatile("cli; hlt");
	return 0;
}

static int test_triple_fault(void)	/* empty IDT, then #UD */
{
	triple_fault();
}

/* Every program this kernel has, one line each: "program KIND NAME" */
static int test_list(void)
{
	const struct ivm_program *p;

	for (p = __ivm_programs_start; p < __ivm_programs_end; p++)
		printf("program %s %s\n", p->scenario ? "scenario" : p->test ? "test" : "option",
		       p->name);
	return 0;
}

IVM_TEST("none", test_none);
IVM_TEST("hang", test_hang);
IVM_TEST("halt", test_halt);
IVM_TEST("triple-fault", test_triple_fault);
IVM_TEST("list", test_list);

static __noreturn void start_kernel(int proto, const char *cmdline)
{
	const struct ivm_program *test;

	boot_protocol = proto;
	gdt_init();
	idt_init();
	trace_init();
	banner(proto, cmdline ? cmdline : "");
	test = parse_cmdline(cmdline);
	if (scenario_name)
		scenario_run(scenario_name, scenario_len);
	if (!test) {
		printf("ivm guest: no test= or scenario= given, and no default test\n");
		hc_done(1);
	}
	hc_done(test->test());
}

void kmain(int proto, uint64_t info);
void kmain(int proto, uint64_t info)
{
	console_init();
	start_kernel(proto, boot_cmdline(proto, info));
}

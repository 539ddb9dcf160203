// SPDX-License-Identifier: MIT
/*
 * Console: whole lines, one IVM_HC_PRINT each under ./vmm (every exit
 * costs ~11 us), else bytes to the QEMU debugcon port.
 */
#include "guest.h"

bool on_ivm;

static char line[IVM_HCALL_MSG_MAX] __percpu;	/* each CPU's lines stay whole */
static size_t line_len __percpu;

void console_init(void)
{
	on_ivm = inl(IVM_PORT_HCALL) == IVM_HCALL_MAGIC;
}

static void flush(void)
{
	const char *p = line;
	size_t n = line_len;

	if (!n)
		return;
	if (on_ivm)
		hc_print(line, n);
	else
		asm volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(IVM_PORT_DEBUGCON) : "memory");
	line_len = 0;
}

/*
 * Callers write whole lines (printf strings end in '\n'), so flush when a
 * write ends a line; no per-character scan (each costs ~1 us at CPL0 on the
 * target). An embedded newline just goes out in the same hypercall.
 */
void console_write(const char *s, size_t n)
{
	bool eol = n && s[n - 1] == '\n';

	while (n) {
		size_t k = sizeof(line) - line_len;

		if (k > n)
			k = n;
		memcpy(line + line_len, s, k);
		line_len += k;
		s += k;
		n -= k;
		if (line_len == sizeof(line))
			flush();
	}
	if (eol)
		flush();
}

int printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1);
	return n;
}

void guest_exit(unsigned int code)
{
	flush();
	outb(IVM_PORT_EXIT, code);
	/* no exit device: stop here */
	for (;;)
		asm volatile("cli; hlt");
}

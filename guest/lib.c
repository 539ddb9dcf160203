// SPDX-License-Identifier: MIT
/* Freestanding string helpers and a small vsnprintf. */
#include "guest.h"

/*
 * Every CPL0 instruction is emulated on the target and each iteration of a
 * rep string instruction is one emulated step: move eight bytes a step and
 * the zero to seven left over one at a time.
 */
void *memset(void *d, int c, size_t n)
{
	void *p = d;
	size_t q = n / 8;

	asm volatile("rep stosq\n\t"
		     "movl %k3, %%ecx\n\t"
		     "rep stosb"
		     : "+D"(p), "+c"(q)
		     : "a"(0x0101010101010101ull * (uint8_t)c), "r"((unsigned int)n % 8)
		     : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *p = d;
	size_t q = n / 8;

	asm volatile("rep movsq\n\t"
		     "movl %k3, %%ecx\n\t"
		     "rep movsb"
		     : "+D"(p), "+S"(s), "+c"(q)
		     : "r"((unsigned int)n % 8)
		     : "memory");
	return d;
}

/* One step a byte (a C loop is three) */
size_t strlen(const char *s)
{
	const char *p = s;
	size_t n = (size_t)-1;

	asm("repne scasb"
	    : "+D"(p), "+c"(n)
	    : "a"(0), "m"(*(const char (*)[])s)
	    : "cc");
	return p - s - 1;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, uint64_t v, unsigned int base, bool neg,
		    int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		width--;
	if (neg && pad == '0')
		put(o, '-');
	for (; width > n; width--)
		put(o, pad);
	if (neg && pad != '0')
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int width = 0, lng = 0, prec = -1;
		char pad = ' ';
		bool left = false;
		const char *s;
		uint64_t u;
		int64_t d;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '-') {
			left = true;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		if (*fmt == '.' && fmt[1] == '*') {
			prec = va_arg(ap, int);
			fmt += 2;
		}
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
			d = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(&o, d < 0 ? -(uint64_t)d : (uint64_t)d, 10, d < 0, width, pad);
			break;
		case 'u':
		case 'x':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_num(&o, u, *fmt == 'x' ? 16 : 10, false, width, pad);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uint64_t)va_arg(ap, void *), 16, false, width, pad);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			if (prec < 0)
				prec = strlen(s);
			width -= prec;
			for (; !left && width > 0; width--)
				put(&o, ' ');
			for (; *s && prec; prec--)
				put(&o, *s++);
			for (; width > 0; width--)
				put(&o, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			if (!*fmt)
				goto out;
			put(&o, *fmt);
			break;
		}
	}
out:
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

// SPDX-License-Identifier: MIT
#include <string.h>
#include "console.h"
#include "serial.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80
#define LSR_THRE 0x20	/* transmit holding register empty */
#define LSR_TEMT 0x40	/* transmitter empty */
#define IIR_NONE 0x01	/* no interrupt pending */

void serial__init(struct serial *s, struct console *con)
{
	memset(s, 0, sizeof(*s));
	s->con = con;
}

uint8_t serial__read(struct serial *s, unsigned off)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (off & 7) {
	case RBR_THR: return dlab ? s->dll : 0;	/* no input: receive buffer empty */
	case IER: return dlab ? s->dlm : s->ier;
	case IIR_FCR: return IIR_NONE;
	case LCR: return s->lcr;
	case MCR: return s->mcr;
	case LSR: return LSR_THRE | LSR_TEMT;	/* output is instant */
	case MSR: return 0xb0;	/* DCD, DSR, CTS: a modem that is always there */
	default: return s->scr;
	}
}

void serial__write(struct serial *s, unsigned off, uint8_t val)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (off & 7) {
	case RBR_THR:
		if (dlab)
			s->dll = val;
		else
			console__putc(s->con, val);
		break;
	case IER:
		if (dlab)
			s->dlm = val;
		else
			s->ier = val & 0x0f;
		break;
	case LCR: s->lcr = val; break;
	case MCR: s->mcr = val & 0x1f; break;
	case SCR: s->scr = val; break;
	default: break;	/* FCR, LSR, MSR writes have no effect we model */
	}
}

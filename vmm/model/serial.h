/* SPDX-License-Identifier: MIT */
/* A 16550 UART, enough for a polled console: THR out, LSR always ready. */
#ifndef VMM_SERIAL_H
#define VMM_SERIAL_H

#include <stdint.h>

struct console;

struct serial {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	struct console *con;
};

void serial__init(struct serial *s, struct console *con);
/* @off is the register offset 0..7 from the base port. */
uint8_t serial__read(struct serial *s, unsigned off);
void serial__write(struct serial *s, unsigned off, uint8_t val);

#endif

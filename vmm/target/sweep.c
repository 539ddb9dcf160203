// SPDX-License-Identifier: MIT
/*
 * The instruction sweep's output, read the same way for every target: each
 * family's cell, and each form's outcomes for the comparison across targets.
 */
#include <stdio.h>
#include <string.h>
#include "target_priv.h"

bool target__read_sweep(const char *log, struct conf_matrix *m, unsigned col, const char *repro,
			enum conf_status st, const char *note)
{
	FILE *f = fopen(log, "r");
	char line[512];
	bool done = false;

	while (f && fgets(line, sizeof(line), f)) {
		struct conf_insn in;
		char name[CONF_NAME_MAX];
		int c;

		if (conf__forms_read_line(m, col, line) || conf__parse_insn(line, &in))
			continue;
		if (in.done) {
			done = true;
			continue;
		}
		tfmt(name, sizeof(name), "insn:%s", in.family);
		c = conf__find_check(m->cat, name);
		if (c < 0 || m->cat->checks[c].kind != CONF_SWEEP)
			continue;
		conf__sweep_add(conf__cell(m, (unsigned)c, col), &in);
	}
	if (f)
		fclose(f);
	for (unsigned c = 0; c < m->cat->n; c++) {
		struct conf_cell *cell = conf__cell(m, c, col);

		if (m->cat->checks[c].kind != CONF_SWEEP)
			continue;
		tfmt(cell->repro, sizeof(cell->repro), repro, m->cat->checks[c].case_name);
		if (cell->status == CONF_NOT_RUN || !done) {
			/* the family in flight, or none of it ran: the run's end says why */
			if (cell->status == CONF_NOT_RUN || cell->status == CONF_PASS) {
				cell->status = done ? CONF_ERROR : st;
				tfmt(cell->note, sizeof(cell->note), "%s",
				     done ? "the sweep printed no form of this family" : note);
			}
		}
	}
	return done;
}

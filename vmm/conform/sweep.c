// SPDX-License-Identifier: MIT
/*
 * The instruction sweep (guest test=sweep): each general-purpose instruction
 * form run at CPL3 and at CPL0 with the same inputs, every register, flag and
 * scratch byte compared (undefined flags masked by the guest). On a host
 * whose CPL0 is emulated (PVM), CPL3 is the CPU itself: a difference is the
 * emulator's. One check per family gathers its forms' verdicts.
 */
#include <stdio.h>
#include <string.h>
#include "conform.h"

/* Forms whose difference a known divergence explains */
static const struct {
	const char *id, *prefix;	/* a form name, or a prefix ending in '-' */
	enum conf_insn_verdict v;
} known_forms[] = {
	{ "PVM-11", "bit.tzcnt-", CONF_INSN_DIFF },
	{ "PVM-12", "move.cmpxchg-r32-r32", CONF_INSN_DIFF },
	{ "PVM-13", "bit.popcnt-", CONF_INSN_FAULT },
	{ "PVM-13", "bit.blsi-", CONF_INSN_FAULT },
	{ "PVM-13", "bit.blsr-", CONF_INSN_FAULT },
	{ "PVM-13", "bit.blsmsk-", CONF_INSN_FAULT },
	{ "PVM-13", "bit.andn-", CONF_INSN_FAULT },
	{ "PVM-13", "bit.bextr-", CONF_INSN_FAULT },
	{ "PVM-13", "bit.adcx-", CONF_INSN_FAULT },
	{ "PVM-13", "bit.adox-", CONF_INSN_FAULT },
	{ "PVM-13", "bit.movbe-", CONF_INSN_FAULT },
	{ "PVM-13", "bit.crc32-", CONF_INSN_FAULT },
	{ "PVM-13", "move.cmpxchg16b-", CONF_INSN_FAULT },
	{ "PVM-13", "move.lock-cmpxchg16b-", CONF_INSN_FAULT },
};

int conf__parse_insn(const char *line, struct conf_insn *in)
{
	const char *name, *v, *dot;
	size_t n;

	memset(in, 0, sizeof(*in));
	if (strncmp(line, "insn ", 5))
		return -1;
	name = line + 5;
	n = strcspn(name, " \r\n");
	if (!n || n >= sizeof(in->name))
		return -1;
	memcpy(in->name, name, n);
	if (!strcmp(in->name, "done")) {
		in->done = true;
		return 0;
	}
	dot = strchr(in->name, '.');
	if (!dot || dot == in->name || (size_t)(dot - in->name) >= sizeof(in->family))
		return -1;
	memcpy(in->family, in->name, (size_t)(dot - in->name));
	v = name + n;
	if (*v != ' ')
		return -1;
	v++;
	if (!strncmp(v, "SAME", 4))
		in->verdict = CONF_INSN_SAME;
	else if (!strncmp(v, "DIFF ", 5))
		in->verdict = CONF_INSN_DIFF;
	else if (!strncmp(v, "FAULT ", 6))
		in->verdict = CONF_INSN_FAULT;
	else if (!strncmp(v, "SKIP", 4))
		in->verdict = CONF_INSN_SKIP;
	else
		return -1;
	n = strcspn(v, "\r\n");
	snprintf(in->detail, sizeof(in->detail), "%.*s", (int)n, v);
	return 0;
}

static const char *known_id(const struct conf_insn *in)
{
	for (size_t i = 0; i < sizeof(known_forms) / sizeof(known_forms[0]); i++) {
		const char *p = known_forms[i].prefix;
		size_t len = strlen(p);
		bool match = p[len - 1] == '-' ? !strncmp(in->name, p, len) : !strcmp(in->name, p);

		if (match && known_forms[i].v == in->verdict)
			return known_forms[i].id;
	}
	return "new";
}

/* @ids gains @id, its parts in the table's order; one unexplained form makes it "new" */
static void add_id(char *ids, size_t n, const char *id)
{
	char out[64] = "";

	if (!strcmp(id, "new") || !strcmp(ids, "new")) {
		snprintf(ids, n, "new");
		return;
	}
	for (const struct conf_divergence *d = conf__divergences(); d->id; d++) {
		size_t len = strlen(out);

		if (strcmp(d->id, id) && !conf__id_has(ids, d->id))
			continue;
		snprintf(out + len, sizeof(out) - len, "%s%s", len ? "+" : "", d->id);
	}
	snprintf(ids, n, "%s", out);
}

void conf__sweep_add(struct conf_cell *cell, const struct conf_insn *in)
{
	size_t len;

	if (cell->status == CONF_NOT_RUN)
		cell->status = CONF_PASS;
	if (in->verdict == CONF_INSN_SAME || in->verdict == CONF_INSN_SKIP)
		return;
	cell->status = CONF_DIVERGENCE;
	add_id(cell->id, sizeof(cell->id), known_id(in));
	if (!cell->expected[0])
		snprintf(cell->expected, sizeof(cell->expected), "every form the same at CPL0 as at CPL3 "
			 "(registers, flags but undefined ones, memory; no fault)");
	len = strlen(cell->observed);
	if (len + 4 >= sizeof(cell->observed))
		return;
	/* the first form with its fields, then the names */
	if (!len)
		snprintf(cell->observed, sizeof(cell->observed), "%s %s", in->name, in->detail);
	else
		snprintf(cell->observed + len, sizeof(cell->observed) - len, "; %s %s", in->name,
			 in->verdict == CONF_INSN_FAULT ? "FAULT" : "DIFF");
	if (strlen(cell->observed) + 1 >= sizeof(cell->observed))
		memcpy(cell->observed + sizeof(cell->observed) - 5, " ...", 5);
}

// SPDX-License-Identifier: MIT
/* The check x target matrix of verdicts, and what --expect accepts. */
#include <stdlib.h>
#include <string.h>
#include "conform.h"

static const char *const status_names[CONF_NR_STATUS] = {
	[CONF_NOT_RUN] = "NOT-RUN", [CONF_PASS] = "PASS", [CONF_DIVERGENCE] = "DIVERGENCE",
	[CONF_HANG] = "HANG", [CONF_UNSUPPORTED] = "UNSUPPORTED", [CONF_ERROR] = "ERROR",
	[CONF_EXPECTED] = "EXPECTED",
};

const char *conf__status_name(enum conf_status s)
{
	return s < CONF_NR_STATUS ? status_names[s] : "?";
}

int conf__status_parse(const char *s)
{
	for (int i = 0; i < CONF_NR_STATUS; i++)
		if (!strcmp(s, status_names[i]))
			return i;
	return -1;
}

int conf__matrix_init(struct conf_matrix *m, const struct conf_catalogue *cat,
		      const char *const *targets, unsigned ntargets)
{
	memset(m, 0, sizeof(*m));
	m->cat = cat;
	m->targets = targets;
	m->ntargets = ntargets;
	m->cells = calloc((size_t)(cat->n ? cat->n : 1) * (ntargets ? ntargets : 1), sizeof(*m->cells));
	return m->cells ? 0 : -1;
}

void conf__matrix_free(struct conf_matrix *m)
{
	free(m->cells);
	m->cells = NULL;
	if (m->forms) {
		free(m->forms->names);
		free(m->forms->out);
		free(m->forms);
		m->forms = NULL;
	}
}

struct conf_cell *conf__cell(struct conf_matrix *m, unsigned check, unsigned target)
{
	return &m->cells[(size_t)check * m->ntargets + target];
}

const struct conf_cell *conf__cell_c(const struct conf_matrix *m, unsigned check, unsigned target)
{
	return &m->cells[(size_t)check * m->ntargets + target];
}

static bool expected_one(const char *expect, const char *id, size_t n)
{
	if (!strcmp(expect, "known")) {
		char buf[16];

		if (n >= sizeof(buf))
			return false;
		memcpy(buf, id, n);
		buf[n] = 0;
		return conf__divergence(buf) != NULL;
	}
	for (const char *p = expect; *p; ) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, id, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

bool conf__expected(const char *expect, const char *id)
{
	if (!expect || !*id || !strcmp(id, "new"))
		return false;
	/* a model's "PVM-4+PVM-5": every part must be expected */
	for (const char *p = id; *p; ) {
		size_t len = strcspn(p, "+");

		if (!len || !expected_one(expect, p, len))
			return false;
		p += len + (p[len] == '+');
	}
	return true;
}

void conf__totals(const struct conf_matrix *m, const char *expect, struct conf_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned c = 0; c < m->cat->n; c++)
		for (unsigned i = 0; i < m->ntargets; i++) {
			const struct conf_cell *cell = conf__cell_c(m, c, i);

			t->counts[cell->status]++;
			if ((cell->status == CONF_DIVERGENCE && !conf__expected(expect, cell->id)) ||
			    cell->status == CONF_HANG || cell->status == CONF_ERROR)
				t->unexpected++;
		}
}

// SPDX-License-Identifier: MIT
/*
 * What a conformance target prints, read back (vmm/conform/parse.c,
 * report.c): guest result lines, `vmm check` summaries and the nested run's
 * conf lines all come from another program, the nested one from inside a
 * guest machine. Each line of the input goes to every parser; an accepted
 * line must give NUL-terminated, in-range fields, and a verdict and report
 * built from it must not break. Sweep lines (insn, insd) go into two
 * columns (a "--" line moves to the other), then every form is compared
 * across them and said in words.
 */
#include "fuzz.h"
#include "conform/conform.h"

static void check_cell(const struct conf_cell *c)
{
	fuzz_assert(c->status < CONF_NR_STATUS);
	fuzz_assert(memchr(c->id, 0, sizeof(c->id)) && memchr(c->expected, 0, sizeof(c->expected)));
	fuzz_assert(memchr(c->observed, 0, sizeof(c->observed)) && memchr(c->note, 0, sizeof(c->note)));
	fuzz_assert(memchr(c->repro, 0, sizeof(c->repro)) && memchr(c->trace, 0, sizeof(c->trace)));
}

/* Each form any line named, compared across the two columns and said in words */
static void check_forms(struct conf_matrix *m)
{
	struct conf_form_cmp c;
	char x[512];

	if (!m->forms)
		return;
	for (unsigned f = 0; f < m->forms->n; f++) {
		conf__form_compare(m->forms, f, &c);
		fuzz_assert(c.ref_of <= m->ntargets && c.ref_votes <= c.ref_of && c.ndiff <= 2 * m->ntargets);
		fuzz_assert(c.ref_target < (int)m->ntargets && (c.ref_target >= 0 || !c.ndiff));
		conf__form_text(m, f, &c, x, sizeof(x));
		fuzz_assert(memchr(x, 0, sizeof(x)) && (!c.ndiff || x[0]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const targets[] = { "kvm/user", "qemu-tcg" };
	static struct conf_catalogue cat;
	char *buf = malloc(size + 1), *line, *save = NULL;
	struct conf_matrix m;
	unsigned col = 0;
	char err[256];

	fuzz__quiet_fds();
	if (!buf)
		return 0;
	if (!cat.n)
		conf__catalogue(&cat, NULL, "insn:", err, sizeof(err));
	if (conf__matrix_init(&m, &cat, targets, 2)) {
		free(buf);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char check[CONF_NAME_MAX], target[CONF_NAME_MAX];
		char name[CONF_NAME_MAX];
		struct conf_cell cell;
		struct conf_digest d;
		struct conf_insn in;
		struct conf_exc e;
		int cpl;

		if (!conf__parse_exc(line, &e)) {
			fuzz_assert(memchr(e.name, 0, sizeof(e.name)) && e.name[0]);
			fuzz_assert(e.exp_vector >= 0 && e.exp_vector <= 255);
			fuzz_assert(e.obs_vector >= -1 && e.obs_vector <= 255);
			memset(&cell, 0, sizeof(cell));
			conf__judge_exc(&e, &cell, data[0] & 1 ? "qemu-tcg" : "kvm/user");
			check_cell(&cell);
			/* ERROR only where a known case's line asks what the model does not */
			fuzz_assert(cell.status == CONF_PASS || cell.status == CONF_DIVERGENCE ||
				    (cell.status == CONF_ERROR &&
				     strstr(cell.note, "the guest's checker and the model disagree")));
		}
		if (conf__parse_check_line(line, "isr", "kernel", &cell) == 1)
			check_cell(&cell);
		/* vmm probe's payload line: a verdict, never an ERROR */
		if (conf__parse_host_line(line, "pending #PF, CR2 payload", &cell) == 1) {
			check_cell(&cell);
			fuzz_assert(cell.status == CONF_PASS || cell.status == CONF_DIVERGENCE ||
				    cell.status == CONF_UNSUPPORTED);
		}
		{
			char why[CONF_TEXT_MAX];

			/* the guest's unsupported line: a name without spaces, the reason terminated */
			if (conf__parse_unsupported(line, name, sizeof(name), why, sizeof(why)) == 1)
				fuzz_assert(name[0] && !strchr(name, ' ') && memchr(why, 0, sizeof(why)));
		}
		{
			int obs = -2, kind = conf__parse_shutdown(line, name, sizeof(name), &obs);
			struct conf_exc se;

			/* a shutdown case's lines: a name without spaces; "no shutdown" with a vector or -1 */
			fuzz_assert(kind >= 0 && kind <= 2);
			if (kind)
				fuzz_assert(name[0] && !strchr(name, ' '));
			if (kind == 2) {
				fuzz_assert(obs >= -1 && obs <= 255);
				conf__shutdown_exc(name, obs, &se);
				memset(&cell, 0, sizeof(cell));
				conf__judge_exc(&se, &cell, "kvm/user");
				check_cell(&cell);
				/* ERROR only where the name is a case the model gives a vector */
				fuzz_assert(cell.status == CONF_DIVERGENCE ||
					    (cell.status == CONF_ERROR &&
					     strstr(cell.note, "the guest's checker and the model disagree")));
			}
		}
		if (!strcmp(line, "--"))
			col ^= 1;
		if (!conf__parse_insn(line, &in)) {
			fuzz_assert(memchr(in.name, 0, sizeof(in.name)) && memchr(in.detail, 0, sizeof(in.detail)));
			conf__forms_insn(&m, col, &in);
		}
		if (!conf__parse_insd(line, name, sizeof(name), &cpl, &d)) {
			fuzz_assert(strchr(name, '.') && (cpl == -1 || cpl == 0 || cpl == 3));
			conf__forms_digest(&m, col, name, cpl, &d);
		}
		if (conf__parse_line(line, check, sizeof(check), target, sizeof(target), &cell) == 1) {
			check_cell(&cell);
			fuzz_assert(check[0] && target[0] && memchr(check, 0, sizeof(check)));
			fuzz_assert(!strchr(cell.note, '\t') && !strchr(cell.trace, '\t'));
		}
	}
	check_forms(&m);
	conf__matrix_free(&m);
	free(buf);
	return 0;
}

// SPDX-License-Identifier: MIT
/* The conformance report: the text matrix, JSON, HTML, result lines, the ID table. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json.h"
#include "conform.h"

static bool notable(const struct conf_cell *c)
{
	return c->status == CONF_DIVERGENCE || c->status == CONF_HANG || c->status == CONF_ERROR;
}

static void cell_word(const struct conf_cell *c, char *buf, size_t n)
{
	switch (c->status) {
	case CONF_DIVERGENCE:
		snprintf(buf, n, "DIV %s", c->id[0] ? c->id : "new");
		break;
	case CONF_UNSUPPORTED:
		snprintf(buf, n, "n/a");
		break;
	case CONF_NOT_RUN:
		snprintf(buf, n, "-");
		break;
	case CONF_EXPECTED:
		snprintf(buf, n, "%s", c->id);
		break;
	default:
		snprintf(buf, n, "%s", conf__status_name(c->status));
	}
}

/* why the first cell no target ran was not run ("interrupted (SIGINT)"), "" when none says */
static const char *first_not_run(const struct conf_matrix *m)
{
	for (unsigned c = 0; c < m->cat->n; c++)
		for (unsigned t = 0; t < m->ntargets; t++)
			if (conf__cell_c(m, c, t)->status == CONF_NOT_RUN)
				return conf__cell_c(m, c, t)->note;
	return "";
}

static bool same_finding(const struct conf_cell *a, const struct conf_cell *b)
{
	return a->status == b->status && !strcmp(a->id, b->id) &&
	       !strcmp(a->expected, b->expected) && !strcmp(a->observed, b->observed) &&
	       !strcmp(a->note, b->note);
}

static bool id_on(const struct conf_matrix *m, const char *id, unsigned t)
{
	for (unsigned c = 0; c < m->cat->n; c++) {
		const struct conf_cell *cell = conf__cell_c(m, c, t);

		if (cell->status == CONF_DIVERGENCE && conf__id_has(cell->id, id))
			return true;
	}
	return false;
}

/* "  PVM-2 on kvm/kernel kvm/user": whose divergence each one is, at a glance */
static void id_line(const struct conf_matrix *m, FILE *f, const char *expect, const char *id)
{
	bool seen = false;

	for (unsigned t = 0; t < m->ntargets; t++) {
		if (!id_on(m, id, t))
			continue;
		if (!seen)
			fprintf(f, "  %-7s%s on", id, conf__expected(expect, id) ? "" : " (not expected)");
		fprintf(f, " %s", m->targets[t]);
		seen = true;
	}
	if (seen)
		fputc('\n', f);
}

static void ids_seen(const struct conf_matrix *m, FILE *f, const char *expect)
{
	for (const struct conf_divergence *d = conf__divergences(); d->id; d++)
		id_line(m, f, expect, d->id);
	id_line(m, f, expect, "new");
}

/* The model's expectation of @ck, as text: 0 when the model has none */
static bool model_text(const struct conf_check *ck, char *buf, size_t n)
{
	const struct conf_model_case *x;

	buf[0] = 0;
	if (ck->kind != CONF_EXC || !(x = conf__model_case(ck->case_name)))
		return false;
	conf__model_text(x, buf, n);
	return true;
}

/* The cell against the model; a divergence in a field the model does not carry (SS, IF, who delivered) */
static const char *vs_model(const struct conf_cell *cell)
{
	return cell->vs_model[0] ? cell->vs_model : "vector, error code, rip and stack as the model has them";
}

/* A finding beside the model: what it expects, and where this target differs from it */
static void model_lines(const struct conf_check *ck, const struct conf_cell *cell, FILE *f,
			const char *indent)
{
	char x[CONF_TEXT_MAX];

	if (!model_text(ck, x, sizeof(x)))
		return;
	fprintf(f, "%smodel:     %s\n", indent, x);
	if (cell->vs_model[0] || cell->status == CONF_DIVERGENCE)
		fprintf(f, "%svs model:  %s\n", indent, vs_model(cell));
}

static bool form_skipped(const struct conf_matrix *m, unsigned form, unsigned t)
{
	return t < CONF_FORM_TARGETS && m->forms->out[((size_t)form * m->forms->ntargets + t) * 2].skipped;
}

/* "reference: CPL3 of 3 of 4 targets (kvm/kernel's); skipped on qemu-tcg" */
static void form_ref(const struct conf_matrix *m, unsigned form, const struct conf_form_cmp *c,
		     char *buf, size_t n)
{
	size_t len = (size_t)snprintf(buf, n, "reference: CPL3 of %u of %u target%s (%s's)", c->ref_votes,
				      c->ref_of, c->ref_of == 1 ? "" : "s", m->targets[c->ref_target]);
	bool any = false;

	for (unsigned t = 0; t < m->ntargets && len < n; t++)
		if (form_skipped(m, form, t)) {
			len += (size_t)snprintf(buf + len, n - len, "%s%s", any ? ", " : "; skipped on ",
						m->targets[t]);
			any = true;
		}
}

/* The sweep across targets: a count, and the forms that differ one by one */
static void forms_text(const struct conf_matrix *m, FILE *f)
{
	struct conf_forms_totals t;
	struct conf_form_cmp c;
	char x[512], r[512];

	conf__forms_totals(m, &t);
	if (!t.forms)
		return;
	fprintf(f, "\ninstruction sweep across targets (each form at CPL0 and CPL3 on each target, "
		"against the outcome most targets give at CPL3): %u forms on %u target%s, %u agree "
		"everywhere, %u differ, %u ran nowhere%s\n", t.forms, t.targets,
		t.targets == 1 ? "" : "s", t.agree, t.differ, t.forms - t.compared,
		t.differ ? ":" : "");
	for (unsigned i = 0; i < t.forms; i++) {
		conf__form_compare(m->forms, i, &c);
		if (!c.ndiff)
			continue;
		conf__form_text(m, i, &c, x, sizeof(x));
		form_ref(m, i, &c, r, sizeof(r));
		fprintf(f, "  %s: %s [%s]\n", m->forms->names[i], x, r);
	}
}

void conf__report_text(const struct conf_matrix *m, const char *expect, FILE *f)
{
	const struct conf_catalogue *cat = m->cat;
	struct conf_totals t;
	char w[48];
	int namew = 8, colw = 6;

	for (unsigned c = 0; c < cat->n; c++) {
		if ((int)strlen(cat->checks[c].name) + 2 > namew)
			namew = (int)strlen(cat->checks[c].name) + 2;
		for (unsigned i = 0; i < m->ntargets; i++) {
			cell_word(conf__cell_c(m, c, i), w, sizeof(w));
			if ((int)strlen(w) + 2 > colw)
				colw = (int)strlen(w) + 2;
		}
	}
	for (unsigned i = 0; i < m->ntargets; i++)
		if ((int)strlen(m->targets[i]) + 2 > colw)
			colw = (int)strlen(m->targets[i]) + 2;
	fprintf(f, "%-*s", namew, "check");
	for (unsigned i = 0; i < m->ntargets; i++)
		fprintf(f, "%-*s", colw, m->targets[i]);
	fputc('\n', f);
	for (unsigned c = 0; c < cat->n; c++) {
		fprintf(f, "%-*s", namew, cat->checks[c].name);
		for (unsigned i = 0; i < m->ntargets; i++) {
			cell_word(conf__cell_c(m, c, i), w, sizeof(w));
			fprintf(f, "%-*s", colw, w);
		}
		fputc('\n', f);
	}

	/* each finding once, with every target that shows it the same way */
	for (unsigned c = 0; c < cat->n; c++) {
		for (unsigned i = 0; i < m->ntargets; i++) {
			const struct conf_cell *cell = conf__cell_c(m, c, i);
			bool dup = false;

			if (!notable(cell))
				continue;
			for (unsigned j = 0; j < i && !dup; j++)
				dup = same_finding(conf__cell_c(m, c, j), cell);
			if (dup)
				continue;
			fprintf(f, "\n%s: %s", cat->checks[c].name, conf__status_name(cell->status));
			if (cell->status == CONF_DIVERGENCE) {
				const struct conf_divergence *d = conf__divergence(cell->id);
				bool known = conf__expected("known", cell->id);

				fprintf(f, " (%s%s%s%s)", cell->id, known ? "" : ": not a known divergence",
					d ? ", " : "", d ? d->host : "");
			}
			fprintf(f, " on %s", m->targets[i]);
			for (unsigned j = i + 1; j < m->ntargets; j++)
				if (same_finding(conf__cell_c(m, c, j), cell))
					fprintf(f, ", %s", m->targets[j]);
			fprintf(f, "\n  the check: %s\n", cat->checks[c].what);
			if (cell->expected[0])
				fprintf(f, "  expected:  %s\n  observed:  %s\n", cell->expected, cell->observed);
			model_lines(&cat->checks[c], cell, f, "  ");
			if (cell->note[0])
				fprintf(f, "  note:      %s\n", cell->note);
			if (cell->repro[0])
				fprintf(f, "  reproduce: %s\n", cell->repro);
			if (cell->trace[0])
				fprintf(f, "  trace:     %s\n", cell->trace);
		}
	}

	/* what a target could not do, once per reason */
	for (unsigned i = 0; i < m->ntargets; i++) {
		for (unsigned c = 0; c < cat->n; c++) {
			const struct conf_cell *cell = conf__cell_c(m, c, i);
			bool dup = false;
			unsigned n = 0;

			if (cell->status != CONF_UNSUPPORTED)
				continue;
			for (unsigned d = 0; d < c && !dup; d++) {
				const struct conf_cell *o = conf__cell_c(m, d, i);

				dup = o->status == CONF_UNSUPPORTED && !strcmp(o->note, cell->note);
			}
			if (dup)
				continue;
			for (unsigned d = c; d < cat->n; d++) {
				const struct conf_cell *o = conf__cell_c(m, d, i);

				n += o->status == CONF_UNSUPPORTED && !strcmp(o->note, cell->note);
			}
			fprintf(f, "\nunsupported on %s (%u check%s): %s\n ", m->targets[i], n,
				n == 1 ? "" : "s", cell->note);
			for (unsigned d = c; d < cat->n; d++) {
				const struct conf_cell *o = conf__cell_c(m, d, i);

				if (o->status == CONF_UNSUPPORTED && !strcmp(o->note, cell->note))
					fprintf(f, " %s", cat->checks[d].name);
			}
			fputc('\n', f);
		}
	}

	forms_text(m, f);
	conf__totals(m, expect, &t);
	fprintf(f, "\nconformance: %u checks x %u targets in %.1f s: %u PASS, %u DIVERGENCE, "
		"%u HANG, %u UNSUPPORTED, %u ERROR",
		cat->n, m->ntargets, m->wall_s, t.counts[CONF_PASS], t.counts[CONF_DIVERGENCE],
		t.counts[CONF_HANG], t.counts[CONF_UNSUPPORTED], t.counts[CONF_ERROR]);
	if (t.counts[CONF_EXPECTED])
		fprintf(f, ", %u EXPECTED (the model)", t.counts[CONF_EXPECTED]);
	if (t.counts[CONF_NOT_RUN])
		fprintf(f, ", %u NOT-RUN", t.counts[CONF_NOT_RUN]);
	fprintf(f, "\n");
	if (t.counts[CONF_DIVERGENCE]) {
		fprintf(f, "divergences by ID (docs/DIVERGENCES.md):\n");
		ids_seen(m, f, expect);
	}
	if (t.counts[CONF_NOT_RUN]) {	/* a stopped run: what ran is reported, never called OK */
		const char *why = first_not_run(m);

		fprintf(f, "result: INCOMPLETE (%u cells not run%s%s)%s\n", t.counts[CONF_NOT_RUN],
			why[0] ? ": " : "", why, t.unexpected ? "; FAIL in those that ran" : "");
	} else
		fprintf(f, "%s\n", t.unexpected ? "result: FAIL (a divergence --expect does not name, a hang or an error)"
						: "result: OK");
}

static void json_kv(FILE *f, const char *k, const char *v, bool comma)
{
	json__str(f, k);
	fputc(':', f);
	json__str(f, v);
	if (comma)
		fputc(',', f);
}

static const char *kind_name(enum conf_kind k)
{
	static const char *const names[] = { [CONF_EXC] = "case", [CONF_SCENARIO] = "scenario",
					     [CONF_EMULATION] = "emulation", [CONF_SWEEP] = "sweep",
					     [CONF_HOST] = "host" };

	return k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* "model": the model's expectation of a case field by field, or null */
static void json_model(FILE *f, const struct conf_check *ck)
{
	static const char *const resume[] = {
		[CONF_RESUME_AT_TRIGGER] = "fault", [CONF_RESUME_AFTER_TRIGGER] = "trap",
		[CONF_RESUME_AT_CR2] = "fetch-fault", [CONF_RESUME_IRQ] = "interrupt",
		[CONF_RESUME_NO_FAULT] = "no-fault", [CONF_RESUME_SHUTDOWN] = "shutdown",
	};
	const struct conf_model_case *x = ck->kind == CONF_EXC ? conf__model_case(ck->case_name) : NULL;

	if (!x) {
		fputs("\"model\":null,", f);
		return;
	}
	fprintf(f, "\"model\":{\"cpl\":%u,\"vector\":", x->cpl);
	if (x->vector == CONF_MODEL_NO_VECTOR || x->vector == CONF_MODEL_SHUTDOWN)
		fputs("null", f);	/* none delivered: "resume" says which way */
	else
		fprintf(f, "%d", x->vector);
	fputs(",\"error_code\":", f);
	if (x->err == CONF_MODEL_NO_ERR)
		fputs("null", f);
	else
		fprintf(f, "%" PRIu64, x->err);
	fprintf(f, ",\"resume\":\"%s\",\"stack\":\"%s\",\"cr2\":%" PRIu64 ",\"dr6\":%u,"
		"\"dr6_clear\":%u},", resume[x->resume], conf__model_stack(x), x->cr2, x->dr6,
		x->dr6_clear);
}

/* "fields":["OF","rax"] */
static void json_fields(FILE *f, uint32_t x)
{
	char buf[128], *p, *save = NULL;
	bool first = true;

	conf__form_fields(x, buf, sizeof(buf));
	fprintf(f, "\"fields\":[");
	for (p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save), first = false) {
		if (!first)
			fputc(',', f);
		json__str(f, p);
	}
	fputc(']', f);
}

/* "sweep_forms": the totals, and each form that differs with who and in what */
static void forms_json(const struct conf_matrix *m, FILE *f)
{
	struct conf_forms_totals t;
	struct conf_form_cmp c;
	bool first = true;

	conf__forms_totals(m, &t);
	fprintf(f, "\"sweep_forms\":{\"forms\":%u,\"targets\":%u,\"compared\":%u,\"agree\":%u,"
		"\"differ\":%u,\"forms_that_differ\":[", t.forms, t.targets, t.compared, t.agree, t.differ);
	for (unsigned i = 0; i < t.forms; i++) {
		bool ft = true;

		conf__form_compare(m->forms, i, &c);
		if (!c.ndiff)
			continue;
		fprintf(f, "%s{", first ? "" : ",");
		first = false;
		json_kv(f, "form", m->forms->names[i], true);
		fprintf(f, "\"reference\":{");
		json_kv(f, "target", m->targets[c.ref_target], false);
		fprintf(f, ",\"cpl\":3,\"votes\":%u,\"of\":%u},\"skipped\":[", c.ref_votes, c.ref_of);
		for (unsigned u = 0, any = 0; u < m->ntargets; u++)
			if (form_skipped(m, i, u)) {
				if (any++)
					fputc(',', f);
				json__str(f, m->targets[u]);
			}
		fprintf(f, "],\"differ\":[");
		for (unsigned u = 0; u < m->ntargets && u < CONF_FORM_TARGETS; u++)
			for (unsigned k = 0; k < 2; k++) {
				const struct conf_form_out *o =
					&m->forms->out[((size_t)i * m->forms->ntargets + u) * 2 + k];

				if (!c.fields[u][k])
					continue;
				fprintf(f, "%s{", ft ? "" : ",");
				ft = false;
				json_kv(f, "target", m->targets[u], false);
				fprintf(f, ",\"cpl\":%u,", k ? 3 : 0);
				json_fields(f, c.fields[u][k]);
				if (o->fault >= 0)
					fprintf(f, ",\"fault\":%d", o->fault);
				else
					fprintf(f, ",\"fault\":null");
				fputc('}', f);
			}
		fprintf(f, "]}");
	}
	fprintf(f, "]}");
}

void conf__report_json(const struct conf_matrix *m, const char *expect, FILE *f)
{
	const struct conf_catalogue *cat = m->cat;
	char x[CONF_TEXT_MAX];
	struct conf_totals t;
	bool first_id = true;

	conf__totals(m, expect, &t);
	fprintf(f, "{\"tool\":\"vmm conformance\",\"wall_s\":%.3f,\"targets\":[", m->wall_s);
	for (unsigned i = 0; i < m->ntargets; i++) {
		if (i)
			fputc(',', f);
		json__str(f, m->targets[i]);
	}
	fprintf(f, "],\"totals\":{");
	for (int s = CONF_NOT_RUN; s < CONF_NR_STATUS; s++)
		fprintf(f, "%s\"%s\":%u", s ? "," : "", conf__status_name(s), t.counts[s]);
	/* a stopped run's cells NOT-RUN: not complete, so never ok */
	fprintf(f, ",\"unexpected\":%u},\"complete\":%s,\"ok\":%s,\"checks\":[", t.unexpected,
		t.counts[CONF_NOT_RUN] ? "false" : "true",
		t.unexpected || t.counts[CONF_NOT_RUN] ? "false" : "true");
	for (unsigned c = 0; c < cat->n; c++) {
		const struct conf_check *ck = &cat->checks[c];

		fprintf(f, "%s{", c ? "," : "");
		json_kv(f, "name", ck->name, true);
		json_kv(f, "kind", kind_name(ck->kind), true);
		json_kv(f, "group", ck->group, true);
		json_kv(f, "what", ck->what, true);
		json_model(f, ck);
		fprintf(f, "\"results\":[");
		for (unsigned i = 0; i < m->ntargets; i++) {
			const struct conf_cell *cell = conf__cell_c(m, c, i);

			fprintf(f, "%s{", i ? "," : "");
			json_kv(f, "target", m->targets[i], true);
			json_kv(f, "status", conf__status_name(cell->status), true);
			json_kv(f, "id", cell->id, true);
			json_kv(f, "expected", cell->expected, true);
			json_kv(f, "observed", cell->observed, true);
			json_kv(f, "note", cell->note, true);
			json_kv(f, "repro", cell->repro, true);
			json_kv(f, "trace", cell->trace, true);
			model_text(ck, x, sizeof(x));
			json_kv(f, "model", x, true);
			json_kv(f, "vs_model", cell->vs_model, false);
			fputc('}', f);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "],\"divergences\":[");
	for (const struct conf_divergence *d = conf__divergences(); d->id; d++) {
		bool any = false;

		for (unsigned c = 0; c < cat->n; c++)
			for (unsigned i = 0; i < m->ntargets; i++) {
				const struct conf_cell *cell = conf__cell_c(m, c, i);

				if (cell->status != CONF_DIVERGENCE || !conf__id_has(cell->id, d->id))
					continue;
				if (!any) {
					fprintf(f, "%s{", first_id ? "" : ",");
					json_kv(f, "id", d->id, true);
					json_kv(f, "host", d->host, true);
					json_kv(f, "sdm", d->sdm, true);
					json_kv(f, "seen", d->seen, true);
					fprintf(f, "\"where\":[");
				} else {
					fputc(',', f);
				}
				fprintf(f, "{");
				json_kv(f, "check", cat->checks[c].name, true);
				json_kv(f, "target", m->targets[i], false);
				fputc('}', f);
				any = true;
				first_id = false;
			}
		if (any)
			fprintf(f, "]}");
	}
	fprintf(f, "],");
	forms_json(m, f);
	fprintf(f, "}\n");
}

static void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char *html_class(enum conf_status s)
{
	switch (s) {
	case CONF_PASS: return "pass";
	case CONF_DIVERGENCE: return "div";
	case CONF_HANG: case CONF_ERROR: return "bad";
	case CONF_EXPECTED: return "model";
	default: return "na";
	}
}

/* The sweep across targets: a count, and a row per form that differs */
static void forms_html(const struct conf_matrix *m, FILE *f)
{
	struct conf_forms_totals t;
	struct conf_form_cmp c;
	char x[512], r[512];

	conf__forms_totals(m, &t);
	if (!t.forms)
		return;
	fprintf(f, "<h2>Instruction sweep across targets</h2>\n<p>Each form at CPL0 and CPL3 on each "
		"target, against the outcome most targets give at CPL3: %u forms on %u targets, %u agree "
		"everywhere, %u differ, %u ran nowhere.</p>\n", t.forms, t.targets, t.agree, t.differ,
		t.forms - t.compared);
	if (!t.differ)
		return;
	fputs("<table><tr><th>form</th><th>who differs, in what</th><th>reference</th></tr>\n", f);
	for (unsigned i = 0; i < t.forms; i++) {
		conf__form_compare(m->forms, i, &c);
		if (!c.ndiff)
			continue;
		conf__form_text(m, i, &c, x, sizeof(x));
		form_ref(m, i, &c, r, sizeof(r));
		fputs("<tr><td class=\"n\">", f);
		html_esc(f, m->forms->names[i]);
		fputs("</td><td class=\"div\">", f);
		html_esc(f, x);
		fputs("</td><td>", f);
		html_esc(f, r);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void conf__report_html(const struct conf_matrix *m, const char *expect, FILE *f)
{
	const struct conf_catalogue *cat = m->cat;
	struct conf_totals t;
	char w[48], x[CONF_TEXT_MAX];

	conf__totals(m, expect, &t);
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>vmm conformance</title>\n"
		"<style>body{font-family:sans-serif}table{border-collapse:collapse}"
		"td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%%}"
		".pass{background:#d8f5d8}.div{background:#ffe0a0}.bad{background:#f8b0b0}"
		".na{background:#eee;color:#777}.model{background:#dde8ff}td.n{font-family:monospace}"
		"pre{background:#f6f6f6;padding:4px}</style></head><body>\n"
		"<h1>vmm conformance</h1>\n<p>%u checks x %u targets in %.1f s: %u PASS, %u DIVERGENCE, "
		"%u HANG, %u UNSUPPORTED, %u ERROR. Result: <b>%s</b>. Divergence IDs are those of "
		"docs/DIVERGENCES.md; the model column is what the architecture expects.</p>\n"
		"<table><tr><th>check</th><th>group</th>",
		cat->n, m->ntargets, m->wall_s, t.counts[CONF_PASS], t.counts[CONF_DIVERGENCE],
		t.counts[CONF_HANG], t.counts[CONF_UNSUPPORTED], t.counts[CONF_ERROR],
		t.unexpected ? "FAIL" : "OK");
	for (unsigned i = 0; i < m->ntargets; i++) {
		fputs("<th>", f);
		html_esc(f, m->targets[i]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (unsigned c = 0; c < cat->n; c++) {
		fputs("<tr><td class=\"n\">", f);
		html_esc(f, cat->checks[c].name);
		fputs("</td><td>", f);
		html_esc(f, cat->checks[c].group);
		fputs("</td>", f);
		for (unsigned i = 0; i < m->ntargets; i++) {
			const struct conf_cell *cell = conf__cell_c(m, c, i);

			cell_word(cell, w, sizeof(w));
			fprintf(f, "<td class=\"%s\"", html_class(cell->status));
			if (notable(cell))
				fprintf(f, "><a href=\"#c%u-%u\">", c, i);
			else
				fputs(">", f);
			html_esc(f, w);
			fputs(notable(cell) ? "</a></td>" : "</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<h2>Findings</h2>\n", f);
	for (unsigned c = 0; c < cat->n; c++)
		for (unsigned i = 0; i < m->ntargets; i++) {
			const struct conf_cell *cell = conf__cell_c(m, c, i);
			const struct conf_divergence *d = conf__divergence(cell->id);

			if (!notable(cell))
				continue;
			fprintf(f, "<h3 id=\"c%u-%u\">", c, i);
			html_esc(f, cat->checks[c].name);
			fputs(" on ", f);
			html_esc(f, m->targets[i]);
			fprintf(f, ": %s ", conf__status_name(cell->status));
			html_esc(f, cell->id);
			fputs("</h3>\n<p>", f);
			html_esc(f, cat->checks[c].what);
			if (d) {
				fputs("<br>Known: ", f);
				html_esc(f, d->host);
				fputs(": ", f);
				html_esc(f, d->seen);
			}
			fputs("</p><pre>", f);
			if (cell->expected[0]) {
				fputs("expected:  ", f);
				html_esc(f, cell->expected);
				fputs("\nobserved:  ", f);
				html_esc(f, cell->observed);
				fputc('\n', f);
			}
			if (model_text(&cat->checks[c], x, sizeof(x))) {
				fputs("model:     ", f);
				html_esc(f, x);
				fputc('\n', f);
				if (cell->vs_model[0] || cell->status == CONF_DIVERGENCE) {
					fputs("vs model:  ", f);
					html_esc(f, vs_model(cell));
					fputc('\n', f);
				}
			}
			if (cell->note[0]) {
				fputs("note:      ", f);
				html_esc(f, cell->note);
				fputc('\n', f);
			}
			if (cell->repro[0]) {
				fputs("reproduce: ", f);
				html_esc(f, cell->repro);
				fputc('\n', f);
			}
			if (cell->trace[0]) {
				fputs("trace:     ", f);
				html_esc(f, cell->trace);
				fputc('\n', f);
			}
			fputs("</pre>\n", f);
		}
	forms_html(m, f);
	fputs("</body></html>\n", f);
}

static void field(FILE *f, const char *s)
{
	fputc('\t', f);
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

void conf__write_lines(const struct conf_matrix *m, FILE *f)
{
	for (unsigned c = 0; c < m->cat->n; c++)
		for (unsigned i = 0; i < m->ntargets; i++) {
			const struct conf_cell *cell = conf__cell_c(m, c, i);

			fputs("conf", f);
			field(f, m->cat->checks[c].name);
			field(f, m->targets[i]);
			field(f, conf__status_name(cell->status));
			field(f, cell->id);
			field(f, cell->expected);
			field(f, cell->observed);
			field(f, cell->note);
			field(f, cell->repro);
			field(f, cell->trace);
			field(f, cell->vs_model);
			fputc('\n', f);
		}
	conf__forms_write_lines(m, f);
}

static int take(char **p, char *out, size_t n)
{
	char *s = *p, *tab;
	size_t len;

	if (!s)
		return -1;
	tab = strchr(s, '\t');
	len = tab ? (size_t)(tab - s) : strcspn(s, "\r\n");
	*p = tab ? tab + 1 : NULL;
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = 0;
	return 0;
}

int conf__parse_line(const char *line, char *check, size_t checklen, char *target, size_t targetlen,
		     struct conf_cell *cell)
{
	char buf[4096], st[24], *p = buf;
	int s;

	if (strncmp(line, "conf\t", 5))
		return 0;
	if (strlen(line) >= sizeof(buf))
		return -1;
	strcpy(buf, line + 5);
	memset(cell, 0, sizeof(*cell));
	if (take(&p, check, checklen) || take(&p, target, targetlen) || take(&p, st, sizeof(st)) ||
	    take(&p, cell->id, sizeof(cell->id)) || take(&p, cell->expected, sizeof(cell->expected)) ||
	    take(&p, cell->observed, sizeof(cell->observed)) || take(&p, cell->note, sizeof(cell->note)) ||
	    take(&p, cell->repro, sizeof(cell->repro)) || take(&p, cell->trace, sizeof(cell->trace)))
		return -1;
	if (p && take(&p, cell->vs_model, sizeof(cell->vs_model)))	/* absent in older lines */
		return -1;
	if (p || (s = conf__status_parse(st)) < 0 || !*check || !*target)
		return -1;
	cell->status = (enum conf_status)s;
	return 1;
}

void conf__write_markdown(FILE *f)
{
	fprintf(f, "| ID | whose | the SDM | what it does instead |\n|---|---|---|---|\n");
	for (const struct conf_divergence *d = conf__divergences(); d->id; d++)
		fprintf(f, "| %s | %s | %s | %s%s%s%s%s |\n", d->id, d->host, d->sdm, d->seen,
			d->retired ? ". **Retired:** " : "", d->retired ? d->retired : "",
			d->varies ? ". **Varies by host:** " : "", d->varies ? d->varies : "");
}

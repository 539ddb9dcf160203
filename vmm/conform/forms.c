// SPDX-License-Identifier: MIT
/*
 * The instruction sweep across targets, form by form: each target's outcome
 * of a form at CPL0 and at CPL3 (a fault's vector, or the guest's digest of
 * every register, defined flag and scratch byte over the inputs) held
 * against a reference, the outcome most targets give at CPL3, so a
 * difference is named with the targets, the CPL and the fields it is in.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "conform.h"

/* printf at *len of @buf (@n bytes), *len never past the terminating NUL */
static void app(char *buf, size_t n, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void app(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*len + 1 >= n)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *len, n - *len, fmt, ap);
	va_end(ap);
	if (k > 0)
		*len = *len + (size_t)k < n ? *len + (size_t)k : n - 1;
}

static int hexn(const char *p, unsigned digits, uint32_t *v)
{
	*v = 0;
	for (unsigned i = 0; i < digits; i++) {
		char c = p[i];

		if (c >= '0' && c <= '9')
			*v = *v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v = *v << 4 | (uint32_t)(c - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

int conf__parse_insd(const char *line, char *name, size_t namelen, int *cpl, struct conf_digest *d)
{
	const char *p, *sp;
	uint32_t v;

	if (strncmp(line, "insd ", 5))
		return -1;
	p = line + 5;
	sp = strchr(p, ' ');
	if (!sp || sp == p || (size_t)(sp - p) >= namelen || !memchr(p, '.', (size_t)(sp - p)))
		return -1;
	memcpy(name, p, (size_t)(sp - p));
	name[sp - p] = 0;
	p = sp + 1;
	if (!strncmp(p, "d=", 2))
		*cpl = -1, p += 2;
	else if (!strncmp(p, "d0=", 3))
		*cpl = 0, p += 3;
	else if (!strncmp(p, "d3=", 3))
		*cpl = 3, p += 3;
	else
		return -1;
	for (unsigned k = 0; k < CONF_DIGEST_INPUTS; k++, p += 4) {
		if (hexn(p, 3, &v) || p[3] != (k + 1 < CONF_DIGEST_INPUTS ? ',' : '/'))
			return -1;
		d->flags[k] = (uint16_t)v;
	}
	for (unsigned i = 0; i < CONF_DIGEST_HASHES; i++, p += 9) {
		if (hexn(p, 8, &d->hash[i]))
			return -1;
		if (i + 1 < CONF_DIGEST_HASHES ? p[8] != '.' : (p[8] && p[8] != '\n' && p[8] != '\r'))
			return -1;
	}
	return 0;
}

/* Whether the catalogue has @name's family (--filter may have left it out) */
static bool family_wanted(const struct conf_matrix *m, const char *name)
{
	char check[CONF_NAME_MAX];
	int n = (int)strcspn(name, ".");
	int c;

	snprintf(check, sizeof(check), "insn:%.*s", n, name);
	c = conf__find_check(m->cat, check);
	return c >= 0 && m->cat->checks[c].kind == CONF_SWEEP;
}

/* The form's row, made on first sight; -1 when out of memory or columns, or not asked for */
static int form_index(struct conf_matrix *m, const char *name)
{
	struct conf_forms *s = m->forms;

	if (m->ntargets > CONF_FORM_TARGETS || !family_wanted(m, name))
		return -1;
	if (!s) {
		s = m->forms = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->ntargets = m->ntargets;
	}
	/* every target prints the forms in one order: the row after the last one, usually */
	for (unsigned i = 0; i < s->n; i++) {
		unsigned f = (s->hint + i) % s->n;

		if (!strcmp(s->names[f], name))
			return (int)(s->hint = f + 1, f);
	}
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 256;
		void *names = realloc(s->names, cap * sizeof(*s->names));
		void *out;

		if (!names)
			return -1;
		s->names = names;
		out = realloc(s->out, (size_t)cap * s->ntargets * 2 * sizeof(*s->out));
		if (!out)
			return -1;
		s->out = out;
		s->cap = cap;
	}
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
	memset(&s->out[(size_t)s->n * s->ntargets * 2], 0, s->ntargets * 2 * sizeof(*s->out));
	s->hint = s->n + 1;
	return (int)s->n++;
}

static struct conf_form_out *out_of(struct conf_forms *s, unsigned form, unsigned t, unsigned c)
{
	return &s->out[((size_t)form * s->ntargets + t) * 2 + c];
}

static const struct conf_form_out *out_c(const struct conf_forms *s, unsigned form, unsigned t, unsigned c)
{
	return &s->out[((size_t)form * s->ntargets + t) * 2 + c];
}

/* "6" or "-" after "cpl0=" / "cpl3=" in a FAULT line's detail */
static bool fault_of(const char *detail, const char *key, int *vec)
{
	const char *p = strstr(detail, key);
	char *end;
	long v;

	if (!p)
		return false;
	p += strlen(key);
	if (*p == '-') {
		*vec = -1;
		return true;
	}
	v = strtol(p, &end, 10);
	if (end == p || v < 0 || v > 255)
		return false;
	*vec = (int)v;
	return true;
}

void conf__forms_insn(struct conf_matrix *m, unsigned col, const struct conf_insn *in)
{
	int f, v[2];

	/* every form has its row (one SKIP everywhere ran nowhere); SAME and DIFF outcomes are digests */
	if (in->done || col >= m->ntargets)
		return;
	f = form_index(m, in->name);
	if (f >= 0 && in->verdict == CONF_INSN_SKIP)
		for (unsigned c = 0; c < 2; c++)
			out_of(m->forms, (unsigned)f, col, c)->skipped = true;
	if (f < 0 || in->verdict != CONF_INSN_FAULT)
		return;
	if (!fault_of(in->detail, "cpl0=", &v[0]) || !fault_of(in->detail, "cpl3=", &v[1]))
		return;
	for (unsigned c = 0; c < 2; c++)
		if (v[c] >= 0) {
			struct conf_form_out *o = out_of(m->forms, (unsigned)f, col, c);

			o->known = true;
			o->fault = v[c];
		}
}

void conf__forms_digest(struct conf_matrix *m, unsigned col, const char *name, int cpl,
			const struct conf_digest *d)
{
	int f = col < m->ntargets ? form_index(m, name) : -1;

	if (f < 0)
		return;
	for (unsigned c = 0; c < 2; c++) {
		struct conf_form_out *o = out_of(m->forms, (unsigned)f, col, c);

		if (cpl != -1 && cpl != (c ? 3 : 0))
			continue;
		o->known = true;
		o->fault = -1;
		o->d = *d;
	}
}

int conf__forms_read_line(struct conf_matrix *m, unsigned col, const char *line)
{
	struct conf_insn in;
	struct conf_digest d;
	char name[CONF_NAME_MAX];
	int cpl;

	if (!conf__parse_insd(line, name, sizeof(name), &cpl, &d)) {
		conf__forms_digest(m, col, name, cpl, &d);
		return 0;
	}
	if (conf__parse_insn(line, &in))
		return -1;
	conf__forms_insn(m, col, &in);
	return 0;
}

static void put_digest(const struct conf_digest *d, FILE *f)
{
	for (unsigned k = 0; k < CONF_DIGEST_INPUTS; k++)
		fprintf(f, "%03x%c", d->flags[k] & 0xfff, k + 1 < CONF_DIGEST_INPUTS ? ',' : '/');
	for (unsigned i = 0; i < CONF_DIGEST_HASHES; i++)
		fprintf(f, "%08x%s", d->hash[i], i + 1 < CONF_DIGEST_HASHES ? "." : "");
}

void conf__forms_write_lines(const struct conf_matrix *m, FILE *f)
{
	const struct conf_forms *s = m->forms;

	for (unsigned i = 0; s && i < s->n; i++)
		for (unsigned t = 0; t < s->ntargets; t++) {
			const struct conf_form_out *o = out_c(s, i, t, 0);

			if (o[0].skipped) {
				fprintf(f, "form\t%s\tinsn %s SKIP\n", m->targets[t], s->names[i]);
				continue;
			}
			if ((o[0].known && o[0].fault >= 0) || (o[1].known && o[1].fault >= 0)) {
				fprintf(f, "form\t%s\tinsn %s FAULT", m->targets[t], s->names[i]);
				for (unsigned c = 0; c < 2; c++)
					if (o[c].known && o[c].fault >= 0)
						fprintf(f, " cpl%u=%d", c ? 3 : 0, o[c].fault);
					else
						fprintf(f, " cpl%u=-", c ? 3 : 0);
				fputc('\n', f);
			}
			for (unsigned c = 0; c < 2; c++) {
				if (!o[c].known || o[c].fault >= 0)
					continue;
				fprintf(f, "form\t%s\tinsd %s d%u=", m->targets[t], s->names[i], c ? 3 : 0);
				put_digest(&o[c].d, f);
				fputc('\n', f);
			}
		}
}

const char *conf__parse_form_line(const char *line, char *target, size_t targetlen)
{
	const char *p, *tab;

	if (strncmp(line, "form\t", 5))
		return NULL;
	p = line + 5;
	tab = strchr(p, '\t');
	if (!tab || tab == p || (size_t)(tab - p) >= targetlen)
		return NULL;
	memcpy(target, p, (size_t)(tab - p));
	target[tab - p] = 0;
	return tab + 1;
}

static const uint16_t flag_bits[CONF_FF_FLAGS] = { 0x001, 0x004, 0x010, 0x040, 0x080, 0x800, 0x400 };
static const char *const field_names[] = {
	"CF", "PF", "AF", "ZF", "SF", "OF", "DF", "rax", "rbx", "rcx", "rdx", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "mem", "fault",
};

static uint32_t differ(const struct conf_form_out *a, const struct conf_form_out *r)
{
	uint32_t x = 0;
	uint16_t fl = 0;

	if (a->fault != r->fault)
		return CONF_FF_FAULT;
	if (a->fault >= 0)
		return 0;
	for (unsigned k = 0; k < CONF_DIGEST_INPUTS; k++)
		fl |= a->d.flags[k] ^ r->d.flags[k];
	for (unsigned i = 0; i < CONF_FF_FLAGS; i++)
		if (fl & flag_bits[i])
			x |= 1u << i;
	for (unsigned i = 0; i < CONF_DIGEST_HASHES; i++)
		if (a->d.hash[i] != r->d.hash[i])
			x |= CONF_FF_REG(i);
	return x;
}

void conf__form_fields(uint32_t fields, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++)
		if (fields & (1u << i))
			app(buf, n, &len, "%s%s", len ? " " : "", field_names[i]);
}

void conf__form_compare(const struct conf_forms *s, unsigned form, struct conf_form_cmp *c)
{
	unsigned nt = s->ntargets < CONF_FORM_TARGETS ? s->ntargets : CONF_FORM_TARGETS;
	const struct conf_form_out *ref = NULL;

	memset(c, 0, sizeof(*c));
	c->ref_target = -1;
	/* the CPL3 outcome most targets give; the first column's wins a tie */
	for (unsigned t = 0; t < nt; t++) {
		const struct conf_form_out *o = out_c(s, form, t, 1);
		unsigned votes = 0;

		if (!o->known)
			continue;
		c->ref_of++;
		for (unsigned u = 0; u < nt; u++) {
			const struct conf_form_out *p = out_c(s, form, u, 1);

			votes += p->known && !differ(p, o);
		}
		if (votes > c->ref_votes) {
			c->ref_votes = votes;
			c->ref_target = (int)t;
			ref = o;
		}
	}
	for (unsigned t = 0; t < nt; t++)
		for (unsigned k = 0; k < 2; k++) {
			const struct conf_form_out *o = out_c(s, form, t, k);

			c->ran[t][k] = o->known;
			if (!o->known || !ref)
				continue;
			c->fields[t][k] = differ(o, ref);
			c->ndiff += c->fields[t][k] != 0;
		}
}

static void fault_word(int v, char *buf, size_t n)
{
	if (v < 0)
		snprintf(buf, n, "none");
	else
		snprintf(buf, n, "%d", v);
}

void conf__form_text(const struct conf_matrix *m, unsigned form, const struct conf_form_cmp *c,
		     char *buf, size_t n)
{
	const struct conf_forms *s = m->forms;
	unsigned nt = s->ntargets < CONF_FORM_TARGETS ? s->ntargets : CONF_FORM_TARGETS;
	bool done[CONF_FORM_TARGETS] = { false };
	size_t len = 0;

	buf[0] = 0;
	/* a target's CPL0 and CPL3 together; then every target whose pair is the same */
	for (unsigned t = 0; t < nt; t++) {
		char fl[64], fv[16], rv[16];
		const uint32_t *x = c->fields[t];
		bool both;

		if (done[t] || (!x[0] && !x[1]))
			continue;
		app(buf, n, &len, "%s%s", len ? "; " : "", m->targets[t]);
		for (unsigned u = t + 1; u < nt; u++) {
			bool same = !done[u];

			for (unsigned j = 0; j < 2 && same; j++)
				same = c->fields[u][j] == x[j] && c->ran[u][j] == c->ran[t][j] &&
				       (!x[j] || !differ(out_c(s, form, u, j), out_c(s, form, t, j)));
			if (!same)
				continue;
			done[u] = true;
			app(buf, n, &len, ", %s", m->targets[u]);
		}
		both = x[0] && x[0] == x[1] && !differ(out_c(s, form, t, 0), out_c(s, form, t, 1));
		for (unsigned j = 0; j < 2; j++) {
			if (!x[j])
				continue;
			if (x[j] & CONF_FF_FAULT) {
				fault_word(out_c(s, form, t, j)->fault, fv, sizeof(fv));
				fault_word(out_c(s, form, (unsigned)c->ref_target, 1)->fault, rv, sizeof(rv));
				snprintf(fl, sizeof(fl), "fault %s (reference: %s)", fv, rv);
			} else {
				conf__form_fields(x[j], fl, sizeof(fl));
			}
			app(buf, n, &len, "%s %s: %s", j && x[0] ? "," : "",
			    both ? "CPL0+CPL3" : j ? "CPL3" : "CPL0", fl);
			if (both)
				break;
		}
	}
	if (len + 1 >= n && n > 4)
		memcpy(buf + n - 5, " ...", 5);
}

void conf__forms_totals(const struct conf_matrix *m, struct conf_forms_totals *t)
{
	const struct conf_forms *s = m->forms;
	struct conf_form_cmp c;
	bool col[CONF_FORM_TARGETS] = { false };

	memset(t, 0, sizeof(*t));
	if (!s)
		return;
	t->forms = s->n;
	for (unsigned f = 0; f < s->n; f++) {
		conf__form_compare(s, f, &c);
		for (unsigned i = 0; i < s->ntargets && i < CONF_FORM_TARGETS; i++)
			col[i] |= c.ran[i][0] || c.ran[i][1];
		if (c.ref_target < 0)
			continue;
		t->compared++;
		if (c.ndiff)
			t->differ++;
		else
			t->agree++;
	}
	for (unsigned i = 0; i < CONF_FORM_TARGETS; i++)
		t->targets += col[i];
}

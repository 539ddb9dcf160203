// SPDX-License-Identifier: MIT
/* Reading a target's output: the guest's result lines and `vmm check`'s summary. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi.h"
#include "conform.h"

#define ERR_NONE (~(uint64_t)0)

/* one number of an "E/O" pair, '-' for none */
static int num(const char *v, const char **end, uint64_t *out, bool *none)
{
	char *e;

	*none = *v == '-' && (v[1] == '/' || !v[1]);
	if (*none) {
		*out = ERR_NONE;
		*end = v + 1;
		return 0;
	}
	*out = strtoull(v, &e, 0);
	*end = e;
	return e == v ? -1 : 0;
}

/* "E/O" of two numbers; only the observed one may be '-' */
static int pair(const char *v, uint64_t *e, uint64_t *o, bool *o_none)
{
	const char *end;
	bool e_none;

	if (num(v, &end, e, &e_none) || e_none || *end != '/')
		return -1;
	if (num(end + 1, &end, o, o_none))
		return -1;
	return *end ? -1 : 0;
}

/* the errcode pair spells "none" for no error code */
static int err_pair(const char *v, uint64_t *e, uint64_t *o)
{
	char a[24], b[24];
	const char *slash = strchr(v, '/');
	size_t la, lb;
	char *end;

	if (!slash)
		return -1;
	la = (size_t)(slash - v);
	lb = strcspn(slash + 1, " ");
	if (!la || !lb || la >= sizeof(a) || lb >= sizeof(b))
		return -1;
	memcpy(a, v, la);
	a[la] = 0;
	memcpy(b, slash + 1, lb);
	b[lb] = 0;
	*e = strcmp(a, "none") ? strtoull(a, &end, 0) : ERR_NONE;
	if (strcmp(a, "none") && *end)
		return -1;
	*o = strcmp(b, "none") ? strtoull(b, &end, 0) : ERR_NONE;
	if (strcmp(b, "none") && *end)
		return -1;
	return 0;
}

static int word(const char *v, char *out, size_t n)
{
	size_t len = strcspn(v, "/ ");

	if (!len || len >= n)
		return -1;
	memcpy(out, v, len);
	out[len] = 0;
	return 0;
}

int conf__parse_exc(const char *line, struct conf_exc *e)
{
	char buf[512], *save = NULL, *tok;
	unsigned seen = 0;

	memset(e, 0, sizeof(*e));
	if (strncmp(line, "exc ", 4) || strlen(line) >= sizeof(buf))
		return -1;
	strcpy(buf, line);
	buf[strcspn(buf, "\r\n")] = 0;
	strtok_r(buf, " ", &save);
	tok = strtok_r(NULL, " ", &save);
	if (!tok || strlen(tok) >= sizeof(e->name))
		return -1;
	strcpy(e->name, tok);
	while ((tok = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(tok, '=');
		const char *v = eq ? eq + 1 : NULL;
		uint64_t a, b;
		bool none;

		if (!eq) {
			if (!strcmp(tok, "PASS") || !strcmp(tok, "FAIL"))
				seen |= 1u << 7;
			continue;
		}
		*eq = 0;
		if (!strcmp(tok, "cpl")) {
			e->cpl = (unsigned)strtoul(v, NULL, 10);
			seen |= 1u << 0;
		} else if (!strcmp(tok, "vec")) {
			if (pair(v, &a, &b, &none) || a > 255 || (!none && b > 255))
				return -1;
			e->exp_vector = (int)a;
			e->obs_vector = none ? -1 : (int)b;
			seen |= 1u << 1;
		} else if (!strcmp(tok, "err")) {
			if (err_pair(v, &e->exp_err, &e->obs_err))
				return -1;
			seen |= 1u << 2;
		} else if (!strcmp(tok, "rip")) {
			if (pair(v, &e->exp_rip, &e->obs_rip, &none))
				return -1;
			seen |= 1u << 3;
		} else if (!strcmp(tok, "stack")) {
			const char *slash = strchr(v, '/');

			if (!slash || word(v, e->exp_stack, sizeof(e->exp_stack)) ||
			    word(slash + 1, e->obs_stack, sizeof(e->obs_stack)))
				return -1;
			seen |= 1u << 4;
		} else if (!strcmp(tok, "mismatch")) {
			char *end;

			e->mismatch = (uint32_t)strtoul(v, &end, 0);
			if (end == v)
				return -1;
			seen |= 1u << 5;
		} else if (!strcmp(tok, "via")) {
			e->via_vmm = !strcmp(v, "vmm");
		}
	}
	return seen == 0xbf ? 0 : -1;
}

int conf__parse_unsupported(const char *line, char *name, size_t namelen, char *why, size_t whylen)
{
	static const char head[] = "selftest: ", mid[] = ": unsupported: ";
	const char *p, *q;
	size_t n;

	if (strncmp(line, head, sizeof(head) - 1))
		return 0;
	p = line + sizeof(head) - 1;
	q = strstr(p, mid);
	n = q ? (size_t)(q - p) : 0;
	if (!q || !n || n >= namelen || memchr(p, ' ', n))
		return 0;
	memcpy(name, p, n);
	name[n] = 0;
	q += sizeof(mid) - 1;
	snprintf(why, whylen, "%.*s", (int)strcspn(q, "\r\n"), q);
	return 1;
}

int conf__parse_shutdown(const char *line, char *name, size_t namelen, int *obs_vector)
{
	static const char head[] = "selftest: ", expect[] = ": shutdown expected",
			  none[] = ": no shutdown: ";
	const char *p, *q;
	size_t n;
	int kind;

	if (strncmp(line, head, sizeof(head) - 1))
		return 0;
	p = line + sizeof(head) - 1;
	if ((q = strstr(p, expect)) && !q[sizeof(expect) - 1])
		kind = 1;
	else if ((q = strstr(p, none)))
		kind = 2;
	else
		return 0;
	n = (size_t)(q - p);
	if (!n || n >= namelen || memchr(p, ' ', n))
		return 0;
	if (kind == 2) {
		const char *v = q + sizeof(none) - 1;
		char *end;
		unsigned long vec;

		if (!strcmp(v, "nothing delivered")) {
			*obs_vector = -1;
		} else {
			if (strncmp(v, "vector ", 7) || v[7] < '0' || v[7] > '9')
				return 0;
			vec = strtoul(v + 7, &end, 10);
			if (*end || vec > 255)
				return 0;
			*obs_vector = (int)vec;
		}
	}
	memcpy(name, p, n);
	name[n] = 0;
	return kind;
}

void conf__shutdown_exc(const char *name, int obs_vector, struct conf_exc *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->exp_vector = CONF_MODEL_SHUTDOWN;
	e->obs_vector = obs_vector;
	e->exp_err = e->obs_err = CONF_MODEL_NO_ERR;
	snprintf(e->exp_stack, sizeof(e->exp_stack), "none");
	snprintf(e->obs_stack, sizeof(e->obs_stack), "none");
	if (obs_vector < 0)
		e->mismatch = IVM_CHK_NOFAULT;
	else if (obs_vector != CONF_MODEL_SHUTDOWN)
		e->mismatch = IVM_CHK_VECTOR;
}

int conf__parse_host_line(const char *line, const char *what, struct conf_cell *cell)
{
	static const char ok[] = "deferred to delivery: ", cant[] = "cannot check: ";
	const char *p = line;
	size_t n = strlen(what);

	while (*p == ' ')
		p++;
	if (!n || strncmp(p, what, n) || p[n] != ':')
		return 0;
	p += n + 1;
	while (*p == ' ')
		p++;
	memset(cell, 0, sizeof(*cell));
	if (!strncmp(p, ok, sizeof(ok) - 1)) {
		cell->status = CONF_PASS;
	} else if (!strncmp(p, cant, sizeof(cant) - 1)) {
		cell->status = CONF_UNSUPPORTED;
		snprintf(cell->note, sizeof(cell->note), "%s", p + sizeof(cant) - 1);
	} else if (*p) {
		cell->status = CONF_DIVERGENCE;
		snprintf(cell->id, sizeof(cell->id), "new");
		snprintf(cell->expected, sizeof(cell->expected),
			 "the register unchanged until the delivery, the payload at it");
		snprintf(cell->observed, sizeof(cell->observed), "%s", p);
	} else {
		return 0;
	}
	return 1;
}

int conf__parse_check_line(const char *line, const char *scenario, const char *mode,
			   struct conf_cell *cell)
{
	char head[160];
	const char *p, *o;
	size_t n;

	n = (size_t)snprintf(head, sizeof(head), "check %s irqchip=%s: ", scenario, mode);
	if (n >= sizeof(head) || strncmp(line, head, n))
		return 0;
	p = line + n;
	o = strstr(p, "oracle ");
	memset(cell, 0, sizeof(*cell));
	if (!strncmp(p, "run failed: ", 12)) {
		size_t len = strcspn(p + 12, ";\n");

		cell->status = CONF_ERROR;
		snprintf(cell->note, sizeof(cell->note), "the run failed: %.*s", (int)len, p + 12);
		return 1;
	}
	if (!o) {
		cell->status = CONF_ERROR;
		snprintf(cell->note, sizeof(cell->note), "no oracle verdict in: %.200s", line);
		return 1;
	}
	o += 7;
	n = strcspn(o, ";\n");
	if (!strncmp(o, "PASS", 4)) {
		cell->status = CONF_PASS;
		return 1;
	}
	cell->status = strncmp(o, "DIVERGENCE", 10) ? CONF_ERROR : CONF_DIVERGENCE;
	snprintf(cell->expected, sizeof(cell->expected),
		 "every delivery as the SDM model has it (oracle PASS)");
	snprintf(cell->observed, sizeof(cell->observed), "oracle %.*s", (int)n, o);
	if (cell->status == CONF_ERROR)
		snprintf(cell->note, sizeof(cell->note), "oracle %.*s", (int)n, o);
	return 1;
}

void conf__failed_checks(const char *log, char *out, size_t n)
{
	FILE *f = fopen(log, "r");
	char line[512];
	long pos;

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(out), end = strcspn(line, "\n");
		char *fail, *obs;

		/* "  NAME<padding> FAIL": a check of the table, indented by two (not the verdict line) */
		if (strncmp(line, "  ", 2) || line[2] == ' ' || end < 8 || strncmp(line + end - 5, " FAIL", 5))
			continue;
		fail = line + end - 5;
		*fail = 0;
		while (fail > line && fail[-1] == ' ')
			*--fail = 0;
		if (len < n)
			snprintf(out + len, n - len, "%s%s", len ? "; " : "failing checks: ", line + 2);
		/* the table's next line: "expected [...] observed [...]", what the check saw;
		 * any other line is read again as a line of its own */
		pos = ftell(f);
		if (fgets(line, sizeof(line), f) && (obs = strstr(line, "observed ["))) {
			obs[strcspn(obs, "\n")] = 0;
			len = strlen(out);
			if (len < n)
				snprintf(out + len, n - len, " (%s)", obs);
		} else if (pos >= 0) {
			fseek(f, pos, SEEK_SET);
		}
	}
	fclose(f);
}

unsigned conf__known_checks(const char *log, char *id, size_t idn, char *observed, size_t obsn)
{
	static const char tag[] = " DIVERGENCE (";
	FILE *f = fopen(log, "r");
	char line[512];
	unsigned n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *d = strstr(line, tag), *ref, *name = line + 2;
		size_t len;

		/* "  NAME<padding> DIVERGENCE (ID)": a check of the table, indented by two */
		if (strncmp(line, "  ", 2) || line[2] == ' ' || !d)
			continue;
		ref = d + sizeof(tag) - 1;
		len = strspn(ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789");	/* an ID: "KVM-2" */
		if (ref[len] != ')' || !len || len >= 16)
			continue;
		ref[len] = 0;
		while (d > name && d[-1] == ' ')
			d--;
		*d = 0;
		conf__id_add(id, idn, ref);
		len = strlen(observed);
		if (len < obsn)
			snprintf(observed + len, obsn - len, "%sknown: %s (%s)", len ? "; " : "", name, ref);
		n++;
	}
	fclose(f);
	return n;
}

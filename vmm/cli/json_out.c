// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/report.h"
#include "lib/json.h"
#include "trace/oracle.h"
#include "json_out.h"
#include "runopt.h"

int json_out__open(struct json_out *j, const char *path, const char *tool, char *err, size_t n)
{
	struct stat st;
	mode_t mask;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (!path)
		return 0;
	j->path = path;
	j->complete = true;
	if (!strcmp(path, "-")) {
		FILE *out = runopt__tap_stdout(err, n);

		if (!out) {
			snprintf(err, n, "--json: no document on stdout: %s", strerror(errno));
			return -1;
		}
		j->fd = dup(fileno(out));
		fclose(out);
		if (j->fd < 0) {
			snprintf(err, n, "--json: -: %s", strerror(errno));
			return -1;
		}
	} else {
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(err, n, "--json: %s: %s", path, strerror(EISDIR));
			return -1;
		}
		/* beside PATH, so the rename at the end replaces it in one step */
		if (snprintf(j->tmp, sizeof(j->tmp), "%s.XXXXXX", path) >= (int)sizeof(j->tmp)) {
			snprintf(err, n, "--json: '%s' is too long", path);
			return -1;
		}
		j->fd = mkostemp(j->tmp, O_CLOEXEC);
		if (j->fd < 0) {
			snprintf(err, n, "--json: %s: %s", path, strerror(errno));
			return -1;
		}
		mask = umask(0);
		umask(mask);
		fchmod(j->fd, 0666 & ~mask);	/* mkstemp's 0600 is not what the file should get */
	}
	j->f = open_memstream(&j->buf, &j->len);
	if (!j->f) {
		snprintf(err, n, "--json: %s", strerror(errno));
		json_out__abort(j);
		return -1;
	}
	report__json(true);
	json__key(j->f, "{", "tool");
	json__str(j->f, tool);
	fputs(",\"runs\":[", j->f);
	return 0;
}

void json_out__run(struct json_out *j, FILE *f, const char *sep, int status,
		   enum irqchip_mode mode, bool keep_open)
{
	bool complete;
	char *members;

	if (!j->f)
		return;
	members = report__json_take(&complete);
	fprintf(f, "%s{\"exit_status\":%d,", sep, status);
	if (members) {
		fputs(members, f);
	} else {
		/* bad input, or the host could not create the VM: the reason went to stderr */
		fprintf(f, "\"selftest\":null,\"scenario\":null,\"stop_reason\":\"the run ended before its "
			"report (see the error on stderr)\",\"complete\":false,\"irqchip\":\"%s\"",
			irqchip_mode__name(mode));
	}
	if (!keep_open)
		fputc('}', f);
	free(members);
	j->runs++;
	j->complete &= complete;
}

void json_out__oracle(FILE *f, const struct oracle *o)
{
	char sum[320];

	oracle__summary(o, sum, sizeof(sum));
	json__key(f, "{", "verdict");
	json__str(f, oracle_verdict__name(oracle__verdict(o)));
	json__key(f, ",", "host_model");
	json__str(f, oracle_host__name(o->host));
	json__key(f, ",", "summary");
	json__str(f, sum);
	fprintf(f, ",\"records\":%llu,\"deliveries\":%llu,\"findings_total\":%llu,\"counts\":{",
		(unsigned long long)o->records, (unsigned long long)o->deliveries,
		(unsigned long long)o->total);
	for (int k = 0; k < OK_NR; k++) {
		json__key(f, k ? "," : "", oracle_kind__name(k));
		fprintf(f, "%llu", (unsigned long long)o->count[k]);
	}
	fputs("},\"findings\":[", f);
	for (unsigned i = 0; i < o->nkept && i < ORACLE_KEEP; i++) {
		const struct oracle_finding *fd = &o->kept[i];

		json__key(f, i ? ",{" : "{", "kind");
		json__str(f, oracle_kind__name(fd->kind));
		fprintf(f, ",\"seq\":%llu,\"since\":", (unsigned long long)fd->seq);
		fprintf(f, fd->since == UINT64_MAX ? "null" : "%llu", (unsigned long long)fd->since);
		json__key(f, ",", "text");
		json__str(f, fd->text);
		fputc('}', f);
	}
	fputs("],\"notes\":[", f);
	for (unsigned i = 0; i < o->nnotes && i < 8; i++) {
		fputs(i ? "," : "", f);
		json__str(f, o->notes[i]);
	}
	fputs("]}", f);
}

/* All of @len bytes to @fd, or -1 */
static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int json_out__close(struct json_out *j, bool complete, int status, char *err, size_t n)
{
	bool to_stdout;
	int r = 0;

	if (!j->f)
		return 0;
	fprintf(j->f, "],\"complete\":%s,\"exit_status\":%d}\n",
		complete && j->complete && j->runs ? "true" : "false", status);
	to_stdout = !strcmp(j->path, "-");
	if (fclose(j->f)) {
		j->f = NULL;
		snprintf(err, n, "--json: %s: out of memory", j->path);
		json_out__abort(j);
		return -1;
	}
	j->f = NULL;
	if (write_all(j->fd, j->buf, j->len) < 0 || close(j->fd) < 0 ||
	    (!to_stdout && rename(j->tmp, j->path) < 0)) {
		snprintf(err, n, "--json: %s: %s", j->path, strerror(errno));
		r = -1;
		if (!to_stdout)
			unlink(j->tmp);
	}
	j->fd = -1;
	free(j->buf);
	j->buf = NULL;
	report__json(false);
	return r;
}

void json_out__abort(struct json_out *j)
{
	if (j->f)
		fclose(j->f);
	j->f = NULL;
	free(j->buf);
	j->buf = NULL;
	if (j->fd >= 0 && j->path && strcmp(j->path, "-"))
		unlink(j->tmp);
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	report__json(false);
}

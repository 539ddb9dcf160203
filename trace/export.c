// SPDX-License-Identifier: MIT
/*
 * `vmm trace export`: JSON (every field of every record) and the Chrome
 * trace-event format (what ui.perfetto.dev and chrome://tracing open).
 * Written by hand: json-c is not a dependency, so escaping is done here.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json.h"
#include "trace_cmd.h"

static void json_header(FILE *f, const struct itr_header *h)
{
	fprintf(f, "{\"version\":%u,\"build_id\":\"", h->version);
	for (int i = 0; i < 20; i++)
		fprintf(f, "%02x", h->build_id[i]);
	fprintf(f, "\",\"start_unix_ns\":%" PRIu64 ",\"scenario\":", h->start_unix_ns);
	json__str(f, h->scenario);
	fputs(",\"irqchip\":", f);
	json__str(f, h->irqchip);
	fputs(",\"host\":", f);
	json__str(f, h->host);
	fputs(",\"cmdline\":", f);
	json__str(f, h->cmdline);
	fputc('}', f);
}

/* ITR_KVM_TP: "tracepoint", and for kvm_emulate_insn its fields as the kernel names them. */
static void json_kvm_tp(FILE *f, const struct itr_record *r)
{
	const char *mode;
	char insn[48];

	fprintf(f, ",\"tracepoint\":\"%s\"", itr_kvm_tp__name(r->a));
	if (r->a != ITR_TP_EMULATE_FAILED)
		return;
	itr_kvm_tp__insn(r, insn, sizeof(insn));
	mode = itr_kvm_emul_mode__name(ITR_TP_INSN_FLAGS(r->b));
	fprintf(f, ",\"failed\":1,\"len\":%u,\"insn\":\"%s\",\"flags\":%u,\"mode\":", r->vector, insn,
		ITR_TP_INSN_FLAGS(r->b));
	if (mode)
		fprintf(f, "\"%s\"", mode);
	else
		fputs("null", f);
}

/* 64-bit addresses as "0x..." strings: JSON numbers lose bits above 2^53 in most parsers. */
static void json_record(FILE *f, const struct itr_record *r)
{
	const char *name = itr_type__name(r->type);

	fprintf(f, "{\"seq\":%" PRIu64 ",\"type\":\"%s\",\"type_id\":%u,\"source\":%u,\"vcpu\":%u,"
		"\"vector\":%u,\"cpl\":%u,\"depth\":%u,\"stack\":%u,\"time_ns\":%" PRIu64 ","
		"\"rip\":\"0x%" PRIx64 "\",\"rsp\":\"0x%" PRIx64 "\",\"rflags\":%u,\"cs\":%u,\"ss\":%u,"
		"\"err\":%u,\"a\":%u,\"b\":\"0x%" PRIx64 "\"",
		r->seq, name ? name : "?", r->type, r->source, r->vcpu, r->vector, r->cpl, r->depth,
		r->stack, r->time_ns, r->rip, r->rsp, r->rflags, r->cs, r->ss, r->err, r->a, r->b);
	if (r->type == ITR_KVM_TP)	/* the tracepoint's name, and a failed emulation's fields decoded */
		json_kvm_tp(f, r);
	fputc('}', f);
}

/* Microseconds with ns precision, as Chrome trace "ts" wants them. */
static void chrome_ts(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

/*
 * A vCPU's track: tid = vCPU + 1. Perfetto takes tid 0 for the process's
 * main thread, whose tid is the pid (1): with tid = vCPU, vCPU 0 and vCPU 1
 * would land on one track.
 */
static unsigned chrome_tid(unsigned vcpu)
{
	return vcpu + 1;
}

static void chrome_begin(FILE *f, const struct itr_record *r)
{
	char sb[16];

	fprintf(f, ",\n{\"ph\":\"B\",\"pid\":1,\"tid\":%u,\"ts\":", chrome_tid(r->vcpu));
	chrome_ts(f, r->time_ns);
	fprintf(f, ",\"cat\":\"delivery\",\"name\":\"v=0x%02x\",\"args\":{\"seq\":%" PRIu64 ",\"cpl\":%u,"
		"\"depth\":%u,", r->vector, r->seq, r->cpl, r->depth);
	if (r->err != 0xffffffffu)	/* no error code pushed: no "err" at all */
		fprintf(f, "\"err\":%u,", r->err);
	fprintf(f, "\"rip\":\"0x%" PRIx64 "\",\"stack\":\"%s\"}}", r->rip,
		itr_stack__name(r->stack, sb, sizeof(sb)));
}

static void chrome_end(FILE *f, unsigned vcpu, uint64_t ns, const struct itr_match_frame *fr,
		       const char *how)
{
	fprintf(f, ",\n{\"ph\":\"E\",\"pid\":1,\"tid\":%u,\"ts\":", chrome_tid(vcpu));
	chrome_ts(f, ns);
	fprintf(f, ",\"args\":{\"entry_seq\":%" PRIu64 ",\"end\":\"%s\"}}", fr->seq, how);
}

static void chrome_instant(FILE *f, const struct itr_record *r, unsigned depth)
{
	char line[512], *text;

	itr_show__format(r, depth, line, sizeof(line));
	text = strchr(line, ':') + 1;	/* drop the seq column and indentation */
	while (*text == ' ')
		text++;
	fprintf(f, ",\n{\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%u,\"ts\":", chrome_tid(r->vcpu));
	chrome_ts(f, r->time_ns);
	fprintf(f, ",\"cat\":\"%s\",\"name\":", r->source == ITR_SRC_GUEST ? "guest" : "host");
	json__str(f, text);
	fprintf(f, ",\"args\":{\"seq\":%" PRIu64 "}}", r->seq);
}

static int export_usage(const char *what)
{
	fprintf(stderr, "vmm trace export: %s (see vmm trace --help)\n", what);
	return 2;
}

const struct option itr_export__opts[] = {
	{ "format", required_argument, NULL, 'f' }, { "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

int itr_export__main(int argc, char **argv)
{
	struct itr_match_frame closed[ITR_MATCH_DEPTH];
	const char *fmt = NULL, *out = NULL, *path;
	struct itr_match *m = NULL;
	struct itr_reader *r;
	struct itr_header h;
	struct itr_record rec;
	uint64_t n = 0, last_ns = 0;
	bool chrome, vcpu_seen[256] = { false };
	char err[512];
	FILE *f = stdout;
	int c, st;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:f:", itr_export__opts, NULL)) != -1) {
		switch (c) {
		case 'f': fmt = optarg; break;
		case 'o': out = optarg; break;
		default: return export_usage("unknown or incomplete option");
		}
	}
	if (!fmt || (strcmp(fmt, "json") && strcmp(fmt, "chrome")))
		return export_usage("--format json|chrome is required");
	if (optind != argc - 1)
		return export_usage("usage: vmm trace export --format json|chrome [-o OUT] FILE");
	chrome = !strcmp(fmt, "chrome");
	path = argv[optind];
	r = itr_reader__open(path, &h, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "vmm trace: %s\n", err);
		return 2;
	}
	if ((chrome && !(m = calloc(1, sizeof(*m)))) || (out && !(f = fopen(out, "w")))) {
		fprintf(stderr, "vmm trace: %s: %s\n", out ? out : path, strerror(errno));
		itr_reader__close(r);
		free(m);
		return 2;
	}
	if (chrome) {
		fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"header\":", f);
		json_header(f, &h);
		fputs("},\"traceEvents\":[\n{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":", f);
		json__str(f, h.scenario[0] ? h.scenario : "guest");
		fputs("}}", f);
	} else {
		fputs("{\"format\":\"ivm-trace\",\"header\":", f);
		json_header(f, &h);
		fputs(",\"records\":[", f);
	}
	while ((st = itr_reader__next(r, &rec, err, sizeof(err))) == 1) {
		if (!chrome) {
			fputs(n ? ",\n" : "\n", f);
			json_record(f, &rec);
			n++;
			continue;
		}
		n++;
		if (rec.type == ITR_END)
			continue;
		last_ns = rec.time_ns;
		if (!vcpu_seen[rec.vcpu]) {
			vcpu_seen[rec.vcpu] = true;
			fprintf(f, ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"name\":\"thread_name\","
				"\"args\":{\"name\":\"vCPU %u\"}}", chrome_tid(rec.vcpu), rec.vcpu);
		}
		if (rec.source == ITR_SRC_GUEST && rec.type == ITR_ENTRY) {
			chrome_begin(f, &rec);
			itr_match__feed(m, &rec, closed);
		} else if (rec.source == ITR_SRC_GUEST && rec.type == ITR_IRET) {
			unsigned d = m->depth[rec.vcpu];
			int k = itr_match__feed(m, &rec, closed);

			for (int i = 0; i < k; i++)	/* inner slices left open end here too */
				chrome_end(f, rec.vcpu, rec.time_ns, &closed[i], i + 1 < k ? "no-iret" : "iret");
			if (k < 0)
				chrome_instant(f, &rec, d);	/* an IRET with nothing open: keep it visible */
		} else {
			chrome_instant(f, &rec, m->depth[rec.vcpu]);
		}
	}
	if (chrome) {
		for (unsigned v = 0; v < 256; v++)	/* close what never returned, innermost first */
			for (unsigned i = m->open[v]; i-- > 0;)
				chrome_end(f, v, last_ns, &m->stack[v][i], "trace-end");
		fprintf(f, "\n],\"complete\":%s}\n", itr_reader__complete(r) ? "true" : "false");
	} else {
		fprintf(f, "\n],\"complete\":%s,\"trailing_bytes\":%" PRIu64 "}\n",
			itr_reader__complete(r) ? "true" : "false", itr_reader__trailing_bytes(r));
	}
	if (st < 0) {
		fprintf(stderr, "vmm trace: %s\n", err);
		st = 2;
	} else if (!itr_reader__complete(r)) {
		fprintf(stderr, "vmm trace: warning: %s: truncated: no ITR_END after %" PRIu64 " records\n",
			path, n);
		st = 1;
	}
	if (f != stdout ? fclose(f) != 0 : fflush(f) != 0) {
		fprintf(stderr, "vmm trace: %s: %s\n", out ? out : "stdout", strerror(errno));
		st = 2;
	}
	itr_reader__close(r);
	free(m);
	return st;
}

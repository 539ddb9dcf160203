// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json.h"
#include "model/interrupts.h"
#include "record/record.h"
#include "scenario/check.h"
#include "vm/vcpu.h"
#include "report.h"

_Static_assert(VMM_MAX_VCPUS <= IVM_PAGES_MAX, "--interrupts has a column per vCPU");

/* vmm run --tap: one TAP stream over the runs of one command (report__tap) */
static struct {
	FILE *f;		/* NULL: the tables */
	unsigned runs, reported, n;	/* runs to come, runs reported, points written */
} tap;

void report__tap(FILE *f, unsigned runs)
{
	tap.f = f;
	tap.runs = runs ? runs : 1;
	tap.reported = tap.n = 0;
}

/* vmm run/check --json: the last run's members, until report__json_take */
static struct {
	bool on;
	char *run;
	bool complete;
} json;

void report__json(bool on)
{
	json.on = on;
	free(json.run);
	json.run = NULL;
}

char *report__json_take(bool *complete)
{
	char *r = json.run;

	*complete = r && json.complete;
	json.run = NULL;
	return r;
}

/* How the run ended and what it counted, after its selftest and scenario members */
static bool json_outcome(FILE *f, const struct vm *vm, bool died)
{
	const struct vmm_opts *o = &vm->opts;
	bool selftest = vm->st.n || vm->st.done;
	/* the guest said it was done with what it ran, and nothing cut the run short */
	bool complete = !died && !vm->until_hit && (!selftest || vm->st.done) &&
			(!o->scenario || vm->scenario_done);

	json__key(f, ",", "stop_reason");
	json__str_or_null(f, vm->why);
	fprintf(f, ",\"complete\":%s,\"irqchip\":\"%s\",\"vcpus\":%u", complete ? "true" : "false",
		irqchip_mode__name(o->irqchip), vm->nr_vcpus);
	json__key(f, ",", "kernel");
	json__str_or_null(f, o->kernel);
	json__key(f, ",", "cmdline");
	json__str_or_null(f, o->cmdline);
	json__key(f, ",", "trace");
	json__str_or_null(f, o->trace_path);
	fprintf(f, ",\"signal\":%d,\"stopped_by_vcpu\":", vm->end_signal);
	fprintf(f, vm->stopped_by >= 0 ? "%d" : "null", vm->stopped_by);
	fputs(",\"guest_exit_code\":", f);
	fprintf(f, vm->guest_exited ? "%u" : "null", vm->guest_exit_value);
	fprintf(f, ",\"counts\":{\"hypercalls\":%llu,\"emulation_failures\":%llu,"
		"\"vmm_deliveries\":%llu,\"window_polled\":%llu},\"event_streams\":[",
		(unsigned long long)vm->nr_hcalls, (unsigned long long)vm->nr_emul_failures,
		(unsigned long long)vm->nr_vmm_deliveries, (unsigned long long)vm->nr_window_polled);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct evring *r = &vm->vcpus[i].ring;

		fprintf(f, "%s{\"cpu\":%u,\"refused\":%llu,\"unpublished\":%llu,\"guest_dropped\":%u,"
			"\"not_kept\":%llu,\"cut_off\":%llu}", i ? "," : "", i,
			(unsigned long long)r->bad, (unsigned long long)r->unpublished, r->guest_dropped,
			(unsigned long long)r->not_kept, (unsigned long long)r->cut_off);
	}
	fputc(']', f);
	return complete;
}

/*
 * A run's points, @buf, onto the stream: the version line first; the plan
 * before them for a single run, after the last run's otherwise. -1 if the
 * stream could not be written (a closed pipe).
 */
static int tap_flush(const char *buf, size_t len)
{
	bool last = ++tap.reported >= tap.runs;

	if (tap.reported == 1)
		fprintf(tap.f, "TAP version 13\n");
	if (tap.runs == 1 && tap.n)
		fprintf(tap.f, "1..%u\n", tap.n);
	fwrite(buf, 1, len, tap.f);
	if (tap.runs > 1 && last && tap.n)
		fprintf(tap.f, "1..%u\n", tap.n);
	if (last && !tap.n)
		fprintf(tap.f, "1..0 # SKIP no results: the guest ran no self-test case nor scenario check\n");
	return fflush(tap.f) == EOF || ferror(tap.f) ? -1 : 0;
}

/* The self-test results as lines a script reads; a failure here fails the run. */
static int write_results(const char *results_path, const struct selftest *st, FILE *errf)
{
	FILE *f = fopen(results_path, "w");

	if (!f) {
		fprintf(errf, "vmm: --results: %s: %s\n", results_path, strerror(errno));
		return -1;
	}
	selftest__write_results(st, f);
	if (ferror(f) | fclose(f)) {
		fprintf(errf, "vmm: --results: %s: write failed\n", results_path);
		return -1;
	}
	return 0;
}

/* How the run ended, on stderr; the self-test table decides a self-test's status. */
int report__finish(struct vm *vm)
{
	/* a storm round reports into its own buffer, shown only if it matters */
	FILE *out = vm->opts.report ? vm->opts.report : stdout;
	FILE *errf = vm->opts.report ? vm->opts.report : stderr;
	int status = vm->status;
	bool died = status == VMM_GUEST_DIED || status == VMM_TIMEOUT ||
		    status == VMM_HOST_ERROR || status == VMM_INTERRUPTED;
	/* --tap: this run's points, put on the stream once the status is known */
	char *tbuf = NULL, scope[sizeof(vm->opts.scenario->name) + 40] = "self-test";
	size_t tlen = 0;
	FILE *tp = tap.f && !vm->opts.report ? open_memstream(&tbuf, &tlen) : NULL;
	unsigned tbad = 0;
	/* --json: this run's members, kept for report__json_take */
	char *jbuf = NULL;
	size_t jlen = 0;
	FILE *jp = json.on && !vm->opts.report ? open_memstream(&jbuf, &jlen) : NULL;

	console__flush(&vm->con);
	record__drain_rings_final(vm);
	for (unsigned i = 0; !vm->opts.scenario && i < vm->nr_vcpus; i++) {
		const struct evring *r = &vm->vcpus[i].ring;

		/* a scenario says this in its own report; any other run says it here */
		if (r->bad || r->unpublished || r->guest_dropped)
			fprintf(errf, "vmm: cpu %u: event stream incomplete: %llu records refused "
				"(impossible kind or fields), %llu never published, %u dropped by the guest\n",
				i, (unsigned long long)r->bad, (unsigned long long)r->unpublished,
				r->guest_dropped);
	}
	if (vm->st.n || vm->st.done) {
		unsigned bad = tp ? selftest__tap(&vm->st, vm->opts.strict, &tap.n, tp) :
			       selftest__report(&vm->st, out, vm->opts.strict);

		tbad += tp ? bad : 0;
		if (jp) {
			json__key(jp, "", "selftest");
			selftest__json(&vm->st, vm->opts.strict, jp);
		}
		fflush(out);
		if (!vm->st.done && !died) {
			status = VMM_GUEST_FAILED;
			vm->why = "self-test did not report completion";
		} else if (vm->guest_exited) {
			/* the guest's exit code counts every mismatch; we judge divergences */
			status = bad ? VMM_GUEST_FAILED : VMM_OK;
			vm->why = bad ? "exception self-test failed" : NULL;
		}
	}
	/* also with no results, so a reader sees "done=0 cases=0", not a stale file */
	if (vm->opts.results_path && write_results(vm->opts.results_path, &vm->st, errf) < 0 &&
	    !status) {
		status = VMM_HOST_ERROR;
		vm->why = "could not write the --results file";
	}
	if (vm->opts.scenario) {
		const struct scenario *sc = vm->opts.scenario;
		unsigned bad;

		const struct evring *rings[VMM_MAX_VCPUS];
		struct ivm_event *ev;
		size_t n;
		char where[32];

		record__drain_rings_final(vm);
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			rings[i] = &vm->vcpus[i].ring;
		ev = evring__merge(rings, vm->nr_vcpus, &n);
		if (ev)
			n = check__hide_frames(sc, ev, n);	/* a storm's own handlers */
		snprintf(where, sizeof(where), "irqchip %s", irqchip_mode__name(vm->opts.irqchip));
		snprintf(scope, sizeof(scope), "%s (%s)", sc->name, where);
		if (!ev) {
			fprintf(tp ? tp : out, "%sscenario %s: out of memory merging the vCPUs' events\n",
				tp ? "# " : "", sc->name);
			bad = 1;
		} else if (tp) {
			bad = check__tap(sc, vm->opts.irqchip, where, ev, n, vm->opts.strict, &tap.n, tp);
			tbad += bad;
		} else {
			bad = check__report(sc, vm->opts.irqchip, where, ev, n, vm->opts.strict, out);
		}
		if (jp) {
			json__key(jp, vm->st.n || vm->st.done ? "," : "", "scenario");
			if (ev)
				check__json(sc, vm->opts.irqchip, where, ev, n, vm->opts.strict, jp);
			else
				fputs("null", jp);
		}
		free(ev);
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			const struct evring *r = rings[i];

			if (r->cut_off)
				fprintf(tp ? tp : out, "%sscenario %s: cpu %u: its last %llu record(s) were cut "
				       "off by the end of the run (stopped mid-record; nothing after them was "
				       "lost)\n", tp ? "# " : "", sc->name, i, (unsigned long long)r->cut_off);
			if (!r->guest_dropped && !r->not_kept && !r->bad && !r->unpublished)
				continue;
			if (tp) {
				char desc[sizeof(scope) + 40];

				snprintf(desc, sizeof(desc), "%s: cpu %u event stream complete", scope, i);
				check__tap_point(tp, ++tap.n, false, desc, NULL);
				tbad++;
			}
			/* checks over an incomplete stream can't be trusted: never a silent loss */
			fprintf(tp ? tp : out, "%sscenario %s: event stream of cpu %u incomplete: %u dropped by "
			       "the guest, %llu not kept, %llu bad records, %llu never published\n",
			       tp ? "#   " : "", sc->name, i, r->guest_dropped,
			       (unsigned long long)r->not_kept, (unsigned long long)r->bad,
			       (unsigned long long)r->unpublished);
			bad++;
		}
		fflush(out);
		if (!died && !vm->scenario_done) {
			status = status ? status : VMM_GUEST_FAILED;
			vm->why = vm->why ? vm->why : "the guest never reported the scenario done";
		} else if (!died && (status == VMM_OK || vm->guest_exited)) {
			status = bad || vm->scenario_result ? VMM_GUEST_FAILED : VMM_OK;
			vm->why = bad ? "scenario checks failed" :
				  vm->scenario_result ? "the guest scenario reported an error" : NULL;
		}
	}
	if (tp) {
		/* a run that failed otherwise (died, never done, the guest's code) is a point too */
		if (status && !tbad) {
			char desc[sizeof(scope) + 24];

			snprintf(desc, sizeof(desc), "%s: the run completed", scope);
			check__tap_point(tp, ++tap.n, false, desc, NULL);
			fprintf(tp, "#   exit status %d: %s\n", status, vm->why ? vm->why : "guest failed");
		}
		if (fclose(tp) || tap_flush(tbuf, tlen) < 0) {
			fprintf(errf, "vmm: --tap: standard output was closed: the report is incomplete\n");
			status = status ? status : VMM_INTERRUPTED;
		}
		free(tbuf);
	}
	if (jp) {
		if (!(vm->st.n || vm->st.done))
			fputs(vm->opts.scenario ? ",\"selftest\":null" : "\"selftest\":null", jp);
		if (!vm->opts.scenario)
			fputs(",\"scenario\":null", jp);
		json.complete = json_outcome(jp, vm, died);
		if (fclose(jp)) {
			free(jbuf);
			jbuf = NULL;	/* no members at all rather than some */
		}
		free(json.run);
		json.run = jbuf;
	}
	if (vm->opts.interrupts) {
		static struct ivm_guest_page copy[VMM_MAX_VCPUS];
		const struct ivm_guest_page *pages[VMM_MAX_VCPUS];
		unsigned n = 0;

		/* the vCPUs that registered a page, from vCPU 0 up to the first that did not */
		for (; n < vm->nr_vcpus; n++) {
			uint64_t gpa = vm->vcpus[n].ring.gpa;
			const struct ivm_guest_page *p = gpa ? gmem__ptr(&vm->mem, gpa, sizeof(*p)) : NULL;

			if (!p)
				break;
			memcpy(&copy[n], p, sizeof(copy[n]));	/* one consistent read of guest memory */
			pages[n] = &copy[n];
		}
		if (n)
			interrupts__print(pages, n, out);
		else
			fprintf(out, "\ninterrupts: the guest registered no counters page\n");
		fflush(out);
	}
	if (vm->nr_window_polled)
		fprintf(errf, "vmm: %llu interrupt(s) injected after polling for a window: the host did "
			"not report KVM_EXIT_IRQ_WINDOW_OPEN when IF became 1\n",
			(unsigned long long)vm->nr_window_polled);
	if (died || vm->until_hit) {
		fprintf(errf, "vmm: %s\n", vm->why ? vm->why : "stopped");
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			if (vm->nr_vcpus > 1)
				fprintf(errf, " cpu %u%s:\n", i, vm->vcpus[i].wait_sipi ?
					" (waiting for SIPI)" : "");
			vcpu__dump(&vm->vcpus[i], errf);
		}
	} else if (status) {
		fprintf(errf, "vmm: %s (exit status %d)\n", vm->why ? vm->why : "guest failed", status);
	}
	return status;
}

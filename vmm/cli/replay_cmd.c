// SPDX-License-Identifier: MIT
/*
 * `vmm replay [options] TRACE.itr [KERNEL]`: boot the run a trace recorded,
 * make its injections at the same sync points, deliver each interrupt and
 * NMI at the place it was delivered, write a new trace and diff the two.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "boot/loader.h"
#include "core/run.h"
#include "gdb/gdb.h"
#include "lib/file.h"
#include "lib/opt.h"
#include "lib/sha256.h"
#include "replay/replay.h"
#include "trace/trace_cmd.h"
#include "replay_cmd.h"
#include "runopt.h"

enum { OPT_HELP = 'h', OPT_FORCE = RUNOPT_END, OPT_OUT, OPT_IGNORE, OPT_UNTIL, OPT_KVM_DELIVERS, OPT_GDB };

static const struct option replay_options[] = {
	{ "irqchip", required_argument, NULL, RUNOPT_IRQCHIP },
	{ "timeout", required_argument, NULL, RUNOPT_TIMEOUT },
	{ "quiet", no_argument, NULL, RUNOPT_QUIET },
	{ "verbose", no_argument, NULL, RUNOPT_VERBOSE },
	{ "trace", required_argument, NULL, OPT_OUT },
	{ "kvm-tracepoints", no_argument, NULL, RUNOPT_KVM_TP },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "gdb", required_argument, NULL, OPT_GDB },
	{ "kvm-delivers", no_argument, NULL, OPT_KVM_DELIVERS },
	{ "initrd", required_argument, NULL, RUNOPT_INITRD },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmm replay [options] TRACE.itr [KERNEL]\n"
		"\n"
		"Boots the run TRACE recorded (its kernel, irqchip, vCPUs, memory, boot protocol,\n"
		"command line, pci-testdev and initrd, from its header), makes every recorded injection at the same sync point,\n"
		"delivers each interrupt and NMI at the place the guest took it (its record count\n"
		"and RIP, RSP, RFLAGS, found with a hardware breakpoint; under the kernel and\n"
		"split irqchips KVM's LAPIC is held back until then), gives back the VMM's QUIET\n"
		"and PROGRESS answers, in the recorded mode its IVM_PORT_IRR answers and (kernel, split) the\n"
		"guest's IRR reads as recorded, writes a new trace and diffs it against TRACE\n"
		"(vmm trace diff).\n"
		"docs/TRACE.md \"Replay\" says what is exact and what is not.\n"
		"\n"
		"  --irqchip=kernel|split|user      replay under another irqchip mode: the diff then\n"
		"                                   shows where the two deliver the same inputs\n"
		"                                   differently (interrupts are placed only in the\n"
		"                                   recorded mode)\n"
		"  --kvm-delivers                   kernel, split: make each injection at its sync\n"
		"                                   point and let KVM's LAPIC deliver it where it\n"
		"                                   will, as under another mode (NMIs stay placed)\n"
		"  --trace=FILE.itr                 the replay's own trace (default: TRACE with\n"
		"                                   .replay.itr for .itr)\n"
		"  --kvm-tracepoints                add KVM's own tracepoints to the replay's trace\n"
		"                                   (tracefs, root), as vmm run does: KVM's view of\n"
		"                                   where the replay and the recording part\n"
		"  --initrd=FILE                    the recorded initrd is FILE (default: the path\n"
		"                                   the trace names); its SHA-256 is checked\n"
		"  --force                          KERNEL's build-id, or the initrd's SHA-256,\n"
		"                                   differs from the recorded one: replay anyway\n"
		"  --ignore=FIELD,...               frame fields the diff leaves out: rip, rsp,\n"
		"                                   rflags, cs, ss, stack (where KVM delivered in a\n"
		"                                   wait loop, replaying under its irqchip)\n"
		"  --until=SEQ                      stop the replay once its trace has record SEQ:\n"
		"                                   registers and last guest events of each vCPU,\n"
		"                                   and the replayed record SEQ next to the recorded\n"
		"                                   one (2+ vCPUs: that vCPU's guest record of the\n"
		"                                   same number)\n"
		"  --gdb=PORT                       where the replay stops (--until, a divergence,\n"
		"                                   the end), serve its vCPUs to gdb on\n"
		"                                   127.0.0.1:PORT (target remote :PORT; a thread\n"
		"                                   a vCPU; registers and memory, nothing resumes)\n"
		"                                   until gdb detaches\n"
		"  --timeout=SECONDS                watchdog (default 30)\n"
		"  --quiet / --verbose              no guest console / log every VM exit\n"
		"  --help                           this text\n"
		"\n"
		"KERNEL: default, the path the trace names.\n"
		"exit status: 0 the replay saw what the recording saw, record for record; 1 it\n"
		"differs (the first divergence, with context) or the run failed; 2 bad usage, or\n"
		"an unreadable, truncated or unreplayable trace, a kernel of another build, or an\n"
		"initrd missing or of other content.\n");
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "vmm replay: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see vmm replay --help)\n");
	return 2;
}

/* KERNEL's build-id against the recorded one; -1 with @err. */
/*
 * KERNEL when not given: the one the trace names; where that is gone (a
 * relative path, another machine), guest.elf beside this vmm, else
 * ../share/vmm/guest.elf from it (make install). same_build checks it.
 * Not inlined: gcc would then size same_build's messages by this buffer.
 */
static __attribute__((noinline)) const char *default_kernel(const char *recorded)
{
	static char path[PATH_MAX];
	ssize_t n;
	char *slash;

	if (!recorded[0] || access(recorded, F_OK) == 0 ||
	    (n = readlink("/proc/self/exe", path, sizeof(path) - 32)) <= 0)
		return recorded;
	path[n] = '\0';
	if (!(slash = strrchr(path, '/')))
		return recorded;
	snprintf(slash + 1, 32, "%s", "guest.elf");
	if (access(path, F_OK) == 0)
		return path;
	snprintf(slash + 1, 32, "%s", "../share/vmm/guest.elf");
	return access(path, F_OK) == 0 ? path : recorded;
}

/*
 * The initrd the trace names (by path, or @given), read and hashed against
 * the recorded SHA-256; *@use is the file to boot with (NULL: none). -1 with
 * @err; a hash that differs says so with "sha256", which --force lets by.
 */
static int same_initrd(const struct replay *rp, const char *given, const char **use, char *err, size_t n)
{
	static char hex[SHA256_HEX];
	const char *path = given ? given : rp->h.initrd;
	uint8_t *img;
	size_t len;

	*use = NULL;
	if (!rp->h.initrd_sha256[0]) {
		if (!given)
			return 0;
		snprintf(err, n, "--initrd: the trace was recorded without an initrd");
		return -1;
	}
	if (!path[0]) {
		snprintf(err, n, "the trace's initrd path was too long to record: give --initrd=FILE");
		return -1;
	}
	if (read_file(path, rp->mem_size, &img, &len, hex, sizeof(hex)) < 0) {
		snprintf(err, n, "initrd %.255s: cannot be read: the trace was recorded with one of "
			 "sha256 %.64s (--initrd=FILE names where it is)", path, rp->h.initrd_sha256);
		return -1;
	}
	sha256_hex(img, len, hex);
	free(img);
	*use = path;
	if (strcmp(hex, rp->h.initrd_sha256)) {
		snprintf(err, n, "%.255s: initrd sha256 %.64s, the trace was recorded with %.64s (--force to replay "
			 "anyway)", path, hex, rp->h.initrd_sha256);
		return -1;
	}
	return 0;
}

static int same_build(const char *kernel, const struct replay *rp, char *err, size_t n)
{
	static struct load_info li;
	static const uint8_t none[20];
	uint8_t *img;
	size_t len;
	int r;

	if (read_file(kernel, VMM_KERNEL_MAX, &img, &len, err, n) < 0)
		return -1;
	r = loader__parse(img, len, kernel, rp->mem_size, rp->boot, &li, err, n);
	free(img);
	if (r < 0)
		return -1;
	if (memcmp(li.build_id, rp->h.build_id, sizeof(li.build_id)) || !memcmp(li.build_id, none, 20)) {
		char a[41], b[41];

		for (int i = 0; i < 20; i++) {
			snprintf(a + 2 * i, 3, "%02x", li.build_id[i]);
			snprintf(b + 2 * i, 3, "%02x", rp->h.build_id[i]);
		}
		snprintf(err, n, "%s: build-id %s, the trace was recorded with %s (--force to replay "
			 "anyway)", kernel, a, b);
		return -1;
	}
	return 0;
}

/*
 * A record of @path into @r, and in `vmm trace show` form into @line: the one
 * at @seq, or (@nth set) vCPU @vcpu's guest record number *@nth (from 0).
 * With @seq, *@nth (if given) is set to that record's number among its vCPU's
 * guest records, or UINT64_MAX if it is no guest record. 1 found, 0 none, -1
 * unreadable.
 */
static int record_at(const char *path, uint64_t seq, int vcpu, uint64_t *nth, struct itr_record *r,
		     char *line, size_t n)
{
	struct itr_header h;
	struct itr_reader *rd = itr_reader__open(path, &h, line, n);
	uint64_t count[256] = { 0 };
	bool by_nth = vcpu >= 0;
	int k, found = 0;

	if (!rd)
		return -1;
	while ((k = itr_reader__next(rd, r, line, n)) == 1) {
		bool guest = r->source == ITR_SRC_GUEST;

		if (by_nth ? guest && r->vcpu == vcpu && count[r->vcpu] == *nth : r->seq == seq) {
			if (!by_nth && nth)
				*nth = guest ? count[r->vcpu] : UINT64_MAX;
			found = 1;
			break;
		}
		if (!by_nth && r->seq > seq)
			break;
		count[r->vcpu] += guest;
	}
	if (found)
		itr_show__format(r, r->depth, line, n);
	else if (k >= 0)
		snprintf(line, n, "(none: the trace ends before it)");
	itr_reader__close(rd);
	return k < 0 ? -1 : found;
}

/*
 * --until: the record the replay stopped at, and the recorded one it stands
 * for, compared as trace diff does. With one vCPU that is the same seq; with
 * more, their interleaving is the host's, so it is the same vCPU's guest
 * record of the same number (a host record there has no counterpart).
 */
static int show_until(const char *a, const char *b, uint64_t seq, unsigned vcpus)
{
	struct itr_record ra, rb;
	char la[512], lb[512];
	uint64_t nth = 0;
	int kb = record_at(b, seq, -1, vcpus > 1 ? &nth : NULL, &rb, lb, sizeof(lb)), ka;

	if (kb < 0) {
		fprintf(stderr, "vmm replay: %s\n", lb);
		return 2;
	}
	if (vcpus > 1 && kb && nth == UINT64_MAX) {
		printf("replay: stopped at record %llu (--until)\n  replayed: %s\n  recorded: (a host "
		       "record: with %u vCPUs nothing in the recording stands for it)\n",
		       (unsigned long long)seq, lb, vcpus);
		return 0;
	}
	ka = vcpus > 1 && kb ? record_at(a, 0, rb.vcpu, &nth, &ra, la, sizeof(la)) :
			       record_at(a, seq, -1, NULL, &ra, la, sizeof(la));
	if (ka < 0) {
		fprintf(stderr, "vmm replay: %s\n", la);
		return 2;
	}
	if (vcpus > 1 && kb)
		printf("replay: stopped at record %llu (--until), cpu %u's guest record %llu\n"
		       "  recorded: %s\n  replayed: %s\n", (unsigned long long)seq, rb.vcpu,
		       (unsigned long long)nth, la, lb);
	else
		printf("replay: stopped at record %llu (--until)\n  recorded: %s\n  replayed: %s\n",
		       (unsigned long long)seq, la, lb);
	return ka && kb && !itr_diff__record(&ra, &rb) ? 0 : 1;
}

int replay_cmd__main(int argc, char **argv)
{
	static struct replay rp;
	static char out[4096];
	struct itr_diff_opts dopts = { .out = stdout };
	struct itr_diff_result res;
	struct runopt ro;
	const char *trace, *out_path = NULL;
	bool force = false, kvm_delivers = false;
	char err[640];
	size_t len, places;
	int c, st, d;

	runopt__init(&ro);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", replay_options, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: usage(stdout); return 0;
		case OPT_FORCE: force = true; break;
		case OPT_KVM_DELIVERS: kvm_delivers = true; break;
		case OPT_OUT: out_path = optarg; break;
		case OPT_UNTIL:
			if (opt__u64(optarg, 1, UINT64_MAX - 1, &ro.vm.until_seq) < 0)
				return bad("--until: '%s' is not a record number (1 or more)", optarg);
			break;
		case OPT_GDB: {
			uint64_t port;

			if (opt__u64(optarg, 1, 65535, &port) < 0)
				return bad("--gdb: '%s' is not a TCP port (1 to 65535)", optarg);
			ro.vm.gdb_port = (uint16_t)port;
			break;
		}
		case OPT_IGNORE:
			if (itr_diff__parse_ignore(optarg, &dopts.ignore) < 0)
				return bad("--ignore: '%s' is not rip, rsp, rflags, cs, ss or stack", optarg);
			break;
		case '?':
		case ':':
			opt__getopt_error(c, argv, replay_options, err, sizeof(err));
			fprintf(stderr, "vmm replay: %s (see vmm replay --help)\n", err);
			return 2;
		default:
			if (runopt__parse(&ro, c, optarg, err, sizeof(err)) < 0)
				return bad("%s", err);
		}
	}
	if (optind >= argc || argc - optind > 2)
		return bad("%s", optind >= argc ? "no TRACE given" : "more than TRACE and KERNEL given");
	if (ro.mode_set && __builtin_popcount(ro.modes) != 1)
		return bad("%s", "--irqchip: one mode");
	trace = argv[optind];
	if (replay__load(trace, &rp, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm replay: %s\n", err);
		return 2;
	}
	ro.vm.kernel = optind + 1 < argc ? argv[optind + 1] : default_kernel(rp.h.kernel);
	if (!ro.vm.kernel[0]) {
		replay__free(&rp);
		return bad("%s", "the trace names no kernel: give KERNEL");
	}
	if (same_build(ro.vm.kernel, &rp, err, sizeof(err)) < 0 && (!force || !strstr(err, "build-id"))) {
		fprintf(stderr, "vmm replay: %s\n", err);
		replay__free(&rp);
		return 2;
	}
	if (same_initrd(&rp, ro.vm.initrd, &ro.vm.initrd, err, sizeof(err)) < 0 &&
	    (!force || !strstr(err, "sha256") || !ro.vm.initrd)) {
		fprintf(stderr, "vmm replay: %s\n", err);
		replay__free(&rp);
		return 2;
	}
	len = strlen(trace);
	if (!out_path) {
		if (snprintf(out, sizeof(out), "%.*s.replay.itr", (int)(len > 4 && !strcmp(trace + len - 4,
			     ".itr") ? len - 4 : len), trace) >= (int)sizeof(out)) {
			replay__free(&rp);
			return bad("%s", "TRACE: the name is too long for the replay's trace beside it");
		}
		out_path = out;
	}
	/* the port first: one it can't have is said before a run that would end waiting on it */
	if (ro.vm.gdb_port && (ro.vm.gdb_fd = gdb__listen(ro.vm.gdb_port, err, sizeof(err))) < 0) {
		fprintf(stderr, "vmm replay: --gdb: %s\n", err);
		replay__free(&rp);
		return 2;
	}
	if (!ro.mode_set)
		ro.vm.irqchip = rp.mode;
	replay__set_mode(&rp, ro.vm.irqchip, kvm_delivers);
	ro.vm.cmdline = rp.h.cmdline;
	ro.vm.mem_size = rp.mem_size;
	ro.vm.boot = rp.boot;
	ro.vm.pci_testdev = rp.pci_testdev;
	ro.vm.vcpus = rp.vcpus;
	ro.vm.scenario = rp.h.scenario[0] ? &rp.sc : NULL;
	ro.vm.trace_path = out_path;
	ro.vm.replay = &rp;
	places = 0;
	for (unsigned i = 0; i < rp.vcpus; i++)
		places += rp.cpu[i].n;
	places -= rp.stops + rp.timers + rp.steps;
	printf("replay: %s: scenario '%s', irqchip %s%s%s, %u vCPU%s; %u injection%s, %zu "
	       "deliver%s to place\n", trace, rp.h.scenario, rp.h.irqchip,
	       ro.vm.irqchip != rp.mode ? " replayed under " : "",
	       ro.vm.irqchip != rp.mode ? irqchip_mode__name(ro.vm.irqchip) : "", rp.vcpus,
	       rp.vcpus == 1 ? "" : "s", rp.ninject, rp.ninject == 1 ? "" : "s", places,
	       places == 1 ? "y" : "ies");
	fflush(stdout);
	st = vmm__run(&ro.vm);
	fflush(stdout);
	printf("replay: placed %llu of %zu deliveries", (unsigned long long)rp.placed, places);
	if (rp.stops)
		printf("; %u of %u vCPUs stopped where the recording's end found them", rp.stopped,
		       rp.stops);
	if (rp.nanswers)
		printf("; %zu of %zu QUIET answers given back", rp.answered, rp.nanswers);
	if (rp.nprogress)
		printf("; %zu of %zu PROGRESS answers given back (%u waited for the counter)",
		       rp.progress_given, rp.nprogress, rp.progress_waited);
	if (rp.give_reads && rp.nreads)
		printf("; %zu of %zu LAPIC reads given back (%zu differed from KVM's LAPIC)", rp.reads_given,
		       rp.nreads, rp.reads_differed);
	if (rp.give_irrs && (rp.nirrs || rp.irrs_live))
		printf("; %zu of %zu IRR answers given back, %zu again in a wait loop, %zu not asked, %zu "
		       "asked live (%zu differed from the LAPIC's)", rp.irrs_given, rp.nirrs, rp.irrs_again,
		       rp.nirrs - rp.irrs_given, rp.irrs_live, rp.irrs_differed);
	if (rp.inj_waited)
		printf("; %u injection%s waited for another vCPU to take an earlier one of its vector",
		       rp.inj_waited, rp.inj_waited == 1 ? "" : "s");
	if (rp.ipi_waited)
		printf("; %u IPI%s of the guest's waited for its target to take an earlier one of its vector",
		       rp.ipi_waited, rp.ipi_waited == 1 ? "" : "s");
	if (rp.msi_waited)
		printf("; %u deliver%s waited for an MSI the recording merged into %s", rp.msi_waited,
		       rp.msi_waited == 1 ? "y" : "ies", rp.msi_waited == 1 ? "it" : "them");
	if (rp.give_eois && (rp.neois || rp.eois_live))
		printf("; %zu of %zu level EOIs made where the recording's came (%zu at their place, "
		       "%zu at the first exit or look past it), %zu not recorded",
		       rp.eois_placed + rp.eois_late, rp.neois, rp.eois_placed, rp.eois_late, rp.eois_live);
	printf("; its trace: %s\n", out_path);
	fflush(stdout);
	if (ro.vm.until_seq) {
		unsigned vcpus = rp.vcpus;

		replay__free(&rp);
		return show_until(trace, out_path, ro.vm.until_seq, vcpus);
	}
	/*
	 * vCPUs run concurrently: each one's own order is the run's, their interleaving timing.
	 * So is where an injection another vCPU's sync point made falls among the target's
	 * records (where the target took it is its ENTRY, placed): with 2+ vCPUs the
	 * injections are compared on their own, in the order the sync points made them.
	 */
	d = 0;
	for (unsigned i = 0; i <= (rp.vcpus > 1 ? rp.vcpus : 0) && d != 2; i++) {
		struct itr_diff_opts o = dopts;
		int k;

		o.one_vcpu = rp.vcpus > 1 && i < rp.vcpus;
		o.vcpu = (uint8_t)i;
		o.no_inject = o.one_vcpu;
		if (o.one_vcpu)
			printf("replay: cpu %u:\n", i);
		if (rp.vcpus > 1 && i == rp.vcpus) {
			printf("replay: injections:\n");
			o.skip = (2u << ITR_GUEST_LAST) - 2;	/* every guest record type */
		}
		k = itr_diff__files(trace, out_path, &o, &res, err, sizeof(err));
		d = k > d ? k : d;
	}
	/* a question the guest did not ask again: it went another way, whatever its records say */
	if (d == 0 && !st && rp.answered < rp.nanswers) {
		printf("replay: the guest asked %zu of the recording's %zu QUIET questions\n", rp.answered,
		       rp.nanswers);
		d = 1;
	}
	if (d == 0 && !st && rp.progress_given < rp.nprogress) {
		printf("replay: the guest asked %zu of the recording's %zu PROGRESS questions\n",
		       rp.progress_given, rp.nprogress);
		d = 1;
	}
	if (d == 0 && !st && rp.give_reads && rp.reads_given < rp.nreads) {
		printf("replay: the guest made %zu of the recording's %zu LAPIC reads\n", rp.reads_given,
		       rp.nreads);
		d = 1;
	}
	if (d != 2 && (d || st) && rp.vcpus > 1) {
		char shared[160];
		unsigned nshared;

		replay__shared_vectors(&rp, shared, sizeof(shared), &nshared);
		if (nshared)
			printf("replay: note: the recording sends one vector to two vCPUs at once %u time%s "
			       "(%s%s): if the guest's handlers for it share state across CPUs (one irq "
			       "descriptor for both), which runs first is the vCPUs' pace, which no record "
			       "holds; a difference after such a point may be that race (docs/STORM.md)\n",
			       nshared, nshared == 1 ? "" : "s", shared, nshared > 3 ? ", ..." : "");
	}
	if (d != 2 && (d || st)) {
		char where[160];
		unsigned planned, swapped;

		replay__eithers(&rp, where, sizeof(where), &planned, &swapped);
		if (planned)
			printf("replay: note: %u interrupt%s placed by a guess (%s%s), %u swapped: each "
			       "ENTRY right after an NMI's IRET is placed before that NMI, as taken inside its "
			       "entry, or after it where the NMI's place comes first (the NMI in a callee's "
			       "CLI section); the records alone can't tell, and a wrong guess differs in three "
			       "RIPs (docs/TRACE.md \"Replay\" 2a)\n", planned, planned == 1 ? "" : "s", where,
			       planned > 3 ? ", ..." : "", swapped);
		for (unsigned i = 0; i < rp.vcpus; i++)
			if (rp.cpu[i].cut_off)
				printf("replay: note: the recording ended with cpu %u inside a record it never "
				       "published (record %" PRIu64 "): where that was an interrupt's ENTRY, no "
				       "record names the interrupt, so the replay can't make it, and the vCPU "
				       "goes on past where it stood (docs/TRACE.md \"Replay\", not exact)\n",
				       i, rp.cpu[i].cut_off);
	}
	fflush(stdout);
	replay__free(&rp);
	if (d == 2) {
		fprintf(stderr, "vmm replay: %s\n", err);
		return 2;
	}
	if (d == 0 && !st) {
		printf("replay: the same as the recording, record for record\n");
		return 0;
	}
	printf("replay: %s%s\n", d ? "differs from the recording (the first divergence is above)" : "",
	       st ? (d ? "; the replay run failed" : "the replay run failed") : "");
	return 1;
}

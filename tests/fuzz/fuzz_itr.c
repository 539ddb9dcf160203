// SPDX-License-Identifier: MIT
/*
 * Trace files: the .itr reader (trace/itr.c) and everything that walks its
 * records: vmm trace show, stats, export (json, chrome) and diff, and the
 * oracle as `vmm check --trace` runs it. The input is trace A; a second
 * "IVMTRACE" magic after its start splits it into A and B for diff (no
 * split: A against itself). Bytes 36-43 of A's header (start_unix_ns,
 * which nothing checks) steer the run: byte 38 picks one consumer per input
 * (each opens the file with a 256 KiB reader, and the mappings that costs
 * dominate a run), byte 36 diff's options: bit 0 --all, bit 1
 * --vcpu=byte 37, bit 2 ignore rip and rsp.
 */
#include "cli/check_cmd.h"
#include "fuzz.h"
#include "replay/replay.h"
#include "trace/itr.h"
#include "trace/oracle.h"
#include "trace/trace_cmd.h"

static struct fuzz_file fa, fb;
static FILE *devnull;

/* The command's argv, writable as getopt_long expects. */
static int run_cmd(int (*fn)(int, char **), const char *a0, const char *a1, const char *a2,
		   const char *a3)
{
	char *argv[5] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3, NULL };
	int argc = a3 ? 4 : a2 ? 3 : 2;
	int st = fn(argc, argv);

	fflush(stdout);
	return st;
}

/* vmm replay's reader: a plan, or one line saying why not; its points stay in their vCPUs */
static void replay_plan(const char *path)
{
	static struct replay rp;
	size_t eois = 0, places = 0;
	char err[640];

	if (replay__load(path, &rp, err, sizeof(err)) < 0) {
		fuzz_assert(strnlen(err, sizeof(err)) < sizeof(err) && err[0] && !strchr(err, '\n'));
		return;
	}
	fuzz_assert(rp.vcpus >= 1 && rp.vcpus <= VMM_MAX_VCPUS && rp.sc.nsteps <= SC_MAX_STEPS);
	for (unsigned i = rp.vcpus; i < VMM_MAX_VCPUS; i++)
		fuzz_assert(rp.cpu[i].n == 0 && rp.cpu[i].neois == 0);
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++) {
		fuzz_assert(rp.cpu[i].next_eoi == 0 && rp.cpu[i].nheld == 0);
		eois += rp.cpu[i].neois;
		places += rp.cpu[i].n;
	}
	fuzz_assert(eois == rp.neois);
	/* the place an MSI's target must be past: one of the run's places */
	for (unsigned k = 0; k < rp.ninject; k++)
		fuzz_assert(rp.inj_after[k] <= places);
	replay__set_mode(&rp, (enum irqchip_mode)(path[0] % IRQCHIP_NR), path[0] & 8);
	replay__free(&rp);
}

static void oracle_direct(const char *path)
{
	static struct oracle o;
	struct itr_header h;
	char err[512], sum[320];

	if (oracle__run_file(path, &o, &h, err, sizeof(err)) < 0) {
		fuzz_assert(strnlen(err, sizeof(err)) < sizeof(err) && err[0]);
		return;
	}
	oracle__report(&o, devnull, "oracle: ");
	oracle__summary(&o, sum, sizeof(sum));
	fuzz_assert(o.nkept <= ORACLE_KEEP && o.nkept <= o.total);
	fuzz_assert(oracle__verdict(&o) != ORACLE_PASS || o.total == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct itr_diff_opts o = { .out = NULL };
	struct itr_diff_result res;
	const uint8_t *split = NULL;
	const char *pa, *pb;
	char err[512], check[64];
	int st;

	fuzz__quiet_fds();
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (size > 9)
		split = memmem(data + 8, size - 8, ITR_MAGIC, 8);
	pa = fuzz_file__set(&fa, data, split ? (size_t)(split - data) : size);
	pb = split ? fuzz_file__set(&fb, split, size - (size_t)(split - data)) : pa;

	switch (size > 38 ? data[38] % 7 : 0) {
	case 5:
		st = run_cmd(itr_show__main, "show", pa, NULL, NULL);
		fuzz_assert(st >= 0 && st <= 2);
		break;
	case 6:
		st = run_cmd(itr_stats__main, "stats", pa, NULL, NULL);
		fuzz_assert(st >= 0 && st <= 2);
		break;
	case 0:
		run_cmd(itr_export__main, "export", "--format=json", pa, NULL);
		break;
	case 1:
		run_cmd(itr_export__main, "export", "--format=chrome", pa, NULL);
		break;
	case 2:
		if (size > 37) {
			o.all = data[36] & 1;
			o.one_vcpu = data[36] & 2;
			o.vcpu = data[37];
			o.ignore = data[36] & 4 ? 1u << ITR_F_RIP | 1u << ITR_F_RSP : 0;
		}
		o.out = devnull;
		st = itr_diff__files(pa, pb, &o, &res, err, sizeof(err));
		fuzz_assert(st >= 0 && st <= 2);
		if (pa == pb && st != 2)	/* a trace equals itself */
			fuzz_assert(st == 0 && res.first_kind == ITR_DIFF_SAME);
		if (st == 1)
			fuzz_assert(res.missing + res.extra + res.mismatch > 0);
		break;
	case 3:
		oracle_direct(pa);
		replay_plan(pa);
		break;
	default:
		snprintf(check, sizeof(check), "--trace=%s", pa);
		run_cmd(check_cmd__main, "check", check, NULL, NULL);
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Scenario parser unit tests: a full config parses to exact values, every
 * kind of mistake gives its one-line "FILE:LINE:COL: message", and mutated
 * configs never crash. Every parse runs on an exact-size heap copy so ASan
 * catches any read past the end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scenario/scenario.h"
#include "scenario/yaml.h"
#include "tap.h"

#define ERRLEN	256

static struct scenario sc;

/* Parse @doc (@len bytes) from an exact-size heap copy. */
static int parse_n(const char *doc, size_t len, char *err, size_t errlen)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, doc, len);
	ret = scenario__parse(copy, len, "t.yaml", &sc, err, errlen);
	free(copy);
	return ret;
}

static int parse(const char *doc, char *err)
{
	return parse_n(doc, strlen(doc), err, ERRLEN);
}

static const char full[] =
	"# every field of the format, most of them not at their default\n"
	"name: priority-order\n"
	"description: >\n"
	"  Two fixed interrupts pending together\n"
	"  are taken highest class first.\n"
	"guest: prio_2-x\n"
	"irqchip: [kernel, split]\n"
	"vcpus: 2\n"
	"timeout: 2.5\n"
	"steps:\n"
	"  - at: {sync: 1}\n"
	"    inject:\n"
	"      - {kind: msi, vector: 0x41}\n"
	"      - {kind: msi, vector: 0x61, dest: 255, delivery: lowest, trigger: level}\n"
	"      - {kind: msi, vector: 255, delivery: 7, trigger: edge}\n"
	"  - at: {delay_us: 500}\n"
	"    inject:\n"
	"      - {kind: pin, pin: 5, action: assert}\n"
	"      - {kind: pin, pin: 23}\n"
	"      - {kind: pin, pin: 0, action: deassert}\n"
	"      - {kind: nmi}\n"
	"      - {kind: exception, vector: 14, error_code: 2, cr2: 0xffffffffffffffff, pending: false}\n"
	"      - {kind: exception, vector: 1, dr6: 0xffff0ff1, pending: true}\n"
	"      - {kind: exception, vector: 13}\n"
	"      - {kind: exception, vector: 6}\n"
	"      - {kind: init, dest: 1}\n"
	"      - {kind: sipi, dest: 1, vector: 0x10}\n"
	"      - {kind: spurious}\n"
	"  - at:\n"
	"      sync: 3\n"
	"    inject:\n"
	"      - kind: nmi\n"
	"checks:\n"
	"  - name: higher class first\n"
	"    expect: entries\n"
	"    value: [0x61, 0x41]\n"
	"    known:\n"
	"      kernel: {ref: \"PVM-4\", observed: [0x61]}\n"
	"  - name: one 0x41\n"
	"    expect: count\n"
	"    vector: 0x41\n"
	"    value: 1\n"
	"  - {name: isr, expect: isr_at_entry, vector: 97, value: [true, false, 1],\n"
	"     known: {split: {ref: x, observed: []}, kernel: {ref: y, observed: false}}}\n"
	"  - name: marks\n"
	"    expect: marks\n"
	"    value: [-5, 0x7fffffffffffffff, -9223372036854775808, 0]\n"
	"  - {name: no softirqs, expect: softirqs, value: []}\n"
	"  - {name: tasklets, expect: tasklets, value: 7}\n"
	"  - {name: eois, expect: eois, value: [0x41, 0x61]}\n";

static void is_values(const struct check_values *cv, unsigned n, const int64_t *want,
		      const char *what)
{
	bool same = cv->n == n;

	for (unsigned i = 0; same && i < n; i++)
		same = cv->v[i] == want[i];
	ok(same, "%s: %u values as written", what, n);
}

static void test_full(void)
{
	char err[ERRLEN];
	const struct injection *in;
	const struct check *c;

	if (!ok(parse(full, err) == 0, "full scenario parses")) {
		printf("#   %s\n", err);
		return;
	}
	ok(!strcmp(sc.name, "priority-order"), "name");
	ok(!strcmp(sc.description,
		   "Two fixed interrupts pending together are taken highest class first."),
	   "description folded, trailing newline dropped");
	ok(!strcmp(sc.guest, "prio_2-x"), "guest");
	is_u64(sc.irqchips, 1u << IRQCHIP_KERNEL | 1u << IRQCHIP_SPLIT, "irqchips");
	is_u64(sc.vcpus, 2, "vcpus");
	ok(sc.timeout_s == 2.5, "timeout 2.5");
	is_u64(sc.nsteps, 3, "3 steps");

	is_u64(sc.steps[0].at, AT_SYNC, "step 0 at sync");
	is_u64(sc.steps[0].n, 1, "step 0 sync 1");
	is_u64(sc.steps[0].line, 11, "step 0 line");
	is_u64(sc.steps[0].ninj, 3, "step 0 injections");
	in = sc.steps[0].inj;
	ok(in[0].kind == INJ_MSI && in[0].vector == 0x41 && in[0].dest == 0 &&
	   in[0].delivery == 0 && !in[0].level && in[0].line == 13, "msi defaults");
	ok(in[1].kind == INJ_MSI && in[1].vector == 0x61 && in[1].dest == 255 &&
	   in[1].delivery == 1 && in[1].level && in[1].line == 14, "msi lowest level dest 255");
	ok(in[2].kind == INJ_MSI && in[2].vector == 255 && in[2].delivery == 7 && !in[2].level,
	   "msi numeric delivery");

	is_u64(sc.steps[1].at, AT_DELAY_US, "step 1 at delay");
	is_u64(sc.steps[1].n, 500, "step 1 500 us");
	is_u64(sc.steps[1].ninj, 11, "step 1 injections");
	in = sc.steps[1].inj;
	ok(in[0].kind == INJ_PIN && in[0].pin == 5 && in[0].action == PIN_ASSERT, "pin assert");
	ok(in[1].kind == INJ_PIN && in[1].pin == 23 && in[1].action == PIN_PULSE,
	   "pin default pulse");
	ok(in[2].kind == INJ_PIN && in[2].pin == 0 && in[2].action == PIN_DEASSERT,
	   "pin deassert");
	ok(in[3].kind == INJ_NMI && in[3].line == 21, "nmi");
	ok(in[4].kind == INJ_EXCEPTION && in[4].vector == 14 && in[4].has_error &&
	   in[4].error_code == 2 && in[4].has_cr2 && in[4].cr2 == UINT64_MAX && !in[4].has_dr6 &&
	   !in[4].pending, "#PF with error code and cr2");
	ok(in[5].kind == INJ_EXCEPTION && in[5].vector == 1 && !in[5].has_error &&
	   !in[5].has_cr2 && in[5].has_dr6 && in[5].dr6 == 0xffff0ff1 && in[5].pending,
	   "#DB pending with dr6");
	ok(in[6].kind == INJ_EXCEPTION && in[6].vector == 13 && in[6].has_error &&
	   in[6].error_code == 0 && !in[6].has_cr2 && !in[6].pending,
	   "#GP: error code 0 by default");
	ok(in[7].kind == INJ_EXCEPTION && in[7].vector == 6 && !in[7].has_error,
	   "#UD: no error code");
	ok(in[8].kind == INJ_INIT && in[8].dest == 1, "init dest 1");
	ok(in[9].kind == INJ_SIPI && in[9].dest == 1 && in[9].vector == 0x10, "sipi");
	ok(in[10].kind == INJ_SPURIOUS && in[10].line == 28, "spurious");

	ok(sc.steps[2].at == AT_SYNC && sc.steps[2].n == 3 && sc.steps[2].ninj == 1 &&
	   sc.steps[2].inj[0].kind == INJ_NMI && sc.steps[2].line == 29, "block-style step");

	is_u64(sc.nchecks, 7, "7 checks");
	c = &sc.checks[0];
	ok(!strcmp(c->name, "higher class first") && c->kind == CHK_ENTRIES && c->line == 34,
	   "check 0 name, kind, line");
	is_values(&c->expect, 2, (const int64_t[]){ 0x61, 0x41 }, "check 0 value");
	ok(c->known[IRQCHIP_KERNEL].set && !strcmp(c->known[IRQCHIP_KERNEL].ref, "PVM-4"),
	   "check 0 known kernel ref");
	is_values(&c->known[IRQCHIP_KERNEL].observed, 1, (const int64_t[]){ 0x61 },
		  "check 0 known kernel observed");
	ok(!c->known[IRQCHIP_SPLIT].set && !c->known[IRQCHIP_USER].set, "check 0 no other known");

	c = &sc.checks[1];
	ok(c->kind == CHK_COUNT && c->vector == 0x41 && !strcmp(c->name, "one 0x41"), "count");
	is_values(&c->expect, 1, (const int64_t[]){ 1 }, "count value");

	c = &sc.checks[2];
	ok(c->kind == CHK_ISR_AT_ENTRY && c->vector == 97 && c->line == 43, "isr_at_entry");
	is_values(&c->expect, 3, (const int64_t[]){ 1, 0, 1 }, "booleans stored as 1/0");
	ok(c->known[IRQCHIP_SPLIT].set && !strcmp(c->known[IRQCHIP_SPLIT].ref, "x") &&
	   c->known[IRQCHIP_SPLIT].observed.n == 0, "known split: nothing observed");
	ok(c->known[IRQCHIP_KERNEL].set && !strcmp(c->known[IRQCHIP_KERNEL].ref, "y"),
	   "known kernel ref");
	is_values(&c->known[IRQCHIP_KERNEL].observed, 1, (const int64_t[]){ 0 },
		  "known observed: false");

	c = &sc.checks[3];
	ok(c->kind == CHK_MARKS && c->vector == 0, "marks");
	is_values(&c->expect, 4, (const int64_t[]){ -5, INT64_MAX, INT64_MIN, 0 },
		  "marks: full int64 range");
	c = &sc.checks[4];
	ok(c->kind == CHK_SOFTIRQS && c->expect.n == 0, "softirqs: empty list");
	c = &sc.checks[5];
	ok(c->kind == CHK_TASKLETS, "tasklets");
	is_values(&c->expect, 1, (const int64_t[]){ 7 }, "tasklets: one integer");
	c = &sc.checks[6];
	ok(c->kind == CHK_EOIS, "eois");
	is_values(&c->expect, 2, (const int64_t[]){ 0x41, 0x61 }, "eois value");
}

/* Minimal documents around the one part a test is about. */
#define HEAD	"name: t\nguest: g\n"
#define CHECK	"checks:\n  - {name: c, expect: marks, value: 1}\n"
#define STEP(inj) HEAD "steps:\n  - at: {sync: 1}\n    inject:\n      - " inj "\n" CHECK
#define CHK(c) HEAD "checks:\n  - " c "\n"

static void test_defaults(void)
{
	char err[ERRLEN];

	if (!ok(parse("name: a\nguest: b\nchecks: [{name: c, expect: marks, value: 1}]\n", err) == 0,
		"minimal scenario parses")) {
		printf("#   %s\n", err);
		return;
	}
	ok(sc.irqchips == IRQCHIP_ALL && sc.vcpus == 1 && sc.timeout_s == 10 &&
	   sc.nsteps == 0 && sc.nchecks == 1 && !sc.description[0],
	   "defaults: all irqchips, 1 vCPU, 10 s, no steps");
	ok(parse("name: a\nguest: b\nirqchip: user\ntimeout: 600\nsteps: []\n"
		 "checks: [{name: c, expect: marks, value: 1}]\n", err) == 0 &&
	   sc.irqchips == 1u << IRQCHIP_USER && sc.timeout_s == 600,
	   "irqchip as one scalar, timeout 600, empty steps");
	ok(parse(STEP("{kind: msi, vector: 0x30, delivery: 3}"), err) == 0 &&
	   sc.steps[0].inj[0].delivery == 3, "reserved MSI delivery mode 3 accepted as a number");
	ok(parse("name: a\nguest: b\ntimeout: 0x3c\n"
		 "checks: [{name: c, expect: marks, value: 1}]\n...\n", err) == 0 &&
	   sc.timeout_s == 60, "hex timeout; document end marker");
}


struct err_case {
	const char *doc;
	const char *want;
};

static const struct err_case err_cases[] = {
	/* the file as a whole */
	{ "", "t.yaml:1:1: empty file: expected a scenario map" },
	{ "# nothing\n\n", "t.yaml:1:1: empty file: expected a scenario map" },
	{ "name: [a\n", "t.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence at line 1)" },
	{ "name: a\n  guest: b\n", "t.yaml:2:8: mapping values are not allowed in this context" },
	{ "name: \"a\n", "t.yaml:2:1: found unexpected end of stream (while scanning a quoted scalar at line 1)" },
	{ "a: *x\n", "t.yaml:1:4: found undefined alias" },
	{ "name: a\xff\n", "t.yaml:1:8: invalid input: invalid leading UTF-8 octet (0xff)" },
	{ "- a\n- b\n", "t.yaml:1:1: top level: expected a map, got a list" },
	{ "hello\n", "t.yaml:1:1: top level: expected a map, got a scalar" },
	{ "---\n", "t.yaml:2:1: top level: expected a map, got nothing" },
	{ HEAD CHECK "---\nname: u\n", "t.yaml:6:1: only one YAML document is allowed" },
	{ HEAD CHECK "---\n", "t.yaml:6:1: only one YAML document is allowed" },
	/* top-level keys */
	{ HEAD CHECK "colour: red\n", "t.yaml:5:1: top level: unknown key 'colour'" },
	{ HEAD "name: u\n" CHECK, "t.yaml:3:1: top level: duplicate key 'name'" },
	{ HEAD CHECK "[a]: 1\n", "t.yaml:5:1: top level: keys must be scalars, got a list" },
	{ "guest: g\n" CHECK, "t.yaml:1:1: top level: missing required key 'name'" },
	{ "name: t\n" CHECK, "t.yaml:1:1: top level: missing required key 'guest'" },
	{ HEAD, "t.yaml:1:1: top level: missing required key 'checks'" },
	{ "name: Prio\nguest: g\n" CHECK, "t.yaml:1:7: name: 'Prio' may only contain a-z, 0-9 and -" },
	{ "name: a_b\nguest: g\n" CHECK, "t.yaml:1:7: name: 'a_b' may only contain a-z, 0-9 and -" },
	{ "name: \"\"\nguest: g\n" CHECK, "t.yaml:1:7: name: must not be empty" },
	{ "name:\nguest: g\n" CHECK, "t.yaml:1:6: name: expected a string, got nothing" },
	{ "name: [a]\nguest: g\n" CHECK, "t.yaml:1:7: name: expected a scalar, got a list" },
	{ "name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nguest: g\n" CHECK,
	  "t.yaml:1:7: name: longer than 63 characters" },
	{ "name: t\nguest: a.b\n" CHECK, "t.yaml:2:8: guest: 'a.b' may only contain a-z, 0-9, _ and -" },
	{ HEAD "description: \"\\0\"\n" CHECK, "t.yaml:3:14: description: contains a NUL character" },
	{ HEAD "description: {a: b}\n" CHECK, "t.yaml:3:14: description: expected a scalar, got a map" },
	{ HEAD "irqchip: [kernel, qemu]\n" CHECK,
	  "t.yaml:3:19: irqchip: 'qemu' is not one of kernel, split, user" },
	{ HEAD "irqchip: [user, user]\n" CHECK, "t.yaml:3:17: irqchip: 'user' listed twice" },
	{ HEAD "irqchip: []\n" CHECK,
	  "t.yaml:3:10: irqchip: empty list (leave it out to run under all modes)" },
	{ HEAD "irqchip: {kernel: 1}\n" CHECK,
	  "t.yaml:3:10: irqchip: expected a mode or a list of modes, got a map" },
	{ HEAD "vcpus: 9\n" CHECK, "t.yaml:3:8: vcpus: 9 is out of range 1..8" },
	{ HEAD "vcpus: 0\n" CHECK, "t.yaml:3:8: vcpus: 0 is out of range 1..8" },
	{ HEAD "vcpus: one\n" CHECK, "t.yaml:3:8: vcpus: expected an integer, got 'one'" },
	{ HEAD "vcpus: \"1\"\n" CHECK, "t.yaml:3:8: vcpus: expected an integer, got a quoted string" },
	{ HEAD "vcpus: 01\n" CHECK,
	  "t.yaml:3:8: vcpus: '01' has a leading zero (write decimal or 0x hex)" },
	{ HEAD "vcpus: 0x\n" CHECK, "t.yaml:3:8: vcpus: expected an integer, got '0x'" },
	/* named values (abi.h IVM_SCENARIO_NAMES) */
	{ "name: t\nguest: g\nchecks:\n  - {name: c, expect: marks, value: [1, IVM_MARK_DEPHT+1]}\n",
	  "t.yaml:4:41: checks[0].value[1]: unknown name 'IVM_MARK_DEPHT' (docs/SCENARIOS.md "
	  "\"Named values\" lists them)" },
	{ HEAD "vcpus: FOO\n" CHECK,
	  "t.yaml:3:8: vcpus: unknown name 'FOO' (docs/SCENARIOS.md \"Named values\" lists them)" },
	{ HEAD "vcpus: IVM_MARK_DEPTH\n" CHECK, "t.yaml:3:8: vcpus: IVM_MARK_DEPTH is out of range 1..8" },
	{ HEAD "vcpus: IVM_MARK_DEPTH-1\n" CHECK,
	  "t.yaml:3:8: vcpus: expected an integer, got 'IVM_MARK_DEPTH-1'" },
	{ HEAD "vcpus: IVM_MARK_DEPTH+\n" CHECK,
	  "t.yaml:3:8: vcpus: expected an integer, got 'IVM_MARK_DEPTH+'" },
	{ HEAD "vcpus: IVM_MARK_DEPTH+01\n" CHECK,
	  "t.yaml:3:8: vcpus: 'IVM_MARK_DEPTH+01' has a leading zero (write decimal or 0x hex)" },
	{ HEAD "vcpus: -IVM_MARK_DEPTH\n" CHECK,
	  "t.yaml:3:8: vcpus: expected an integer, got '-IVM_MARK_DEPTH'" },
	{ HEAD "vcpus: \"IVM_MARK_DEPTH\"\n" CHECK,
	  "t.yaml:3:8: vcpus: expected an integer, got a quoted string" },
	{ HEAD "steps:\n  - {at: {sync: 1}, inject: [{kind: msi, vector: SPURIOUS_APIC_VECTOR+1}]}\n" CHECK,
	  "t.yaml:4:50: steps[0].inject[0].vector: SPURIOUS_APIC_VECTOR+1 is out of range 0..255" },
	{ HEAD "vcpus: 99999999999999999999\n" CHECK,
	  "t.yaml:3:8: vcpus: 99999999999999999999 is too large" },
	{ HEAD "vcpus: -1\n" CHECK, "t.yaml:3:8: vcpus: -1 is out of range 1..8" },
	{ HEAD "timeout: 0\n" CHECK, "t.yaml:3:10: timeout: 0 is out of range (0, 600] seconds" },
	{ HEAD "timeout: 600.5\n" CHECK,
	  "t.yaml:3:10: timeout: 600.5 is out of range (0, 600] seconds" },
	{ HEAD "timeout: 1.2.3\n" CHECK, "t.yaml:3:10: timeout: expected seconds, got '1.2.3'" },
	{ HEAD "timeout: 1e3\n" CHECK, "t.yaml:3:10: timeout: expected an integer, got '1e3'" },
	/* steps */
	{ HEAD "steps: 5\n" CHECK, "t.yaml:3:8: steps: expected a list, got a scalar" },
	{ HEAD "steps:\n" CHECK, "t.yaml:3:7: steps: expected a list, got nothing" },
	{ HEAD "steps: [5]\n" CHECK, "t.yaml:3:9: steps[0]: expected a map, got a scalar" },
	{ HEAD "steps:\n  - at: {sync: 1}\n" CHECK,
	  "t.yaml:4:5: steps[0]: missing required key 'inject'" },
	{ HEAD "steps:\n  - {at: {sync: 1}, inject: [{kind: nmi}], when: now}\n" CHECK,
	  "t.yaml:4:44: steps[0]: unknown key 'when'" },
	{ HEAD "steps:\n  - {at: {sync: 1, delay_us: 5}, inject: [{kind: nmi}]}\n" CHECK,
	  "t.yaml:4:20: steps[0].at: needs exactly one of sync, delay_us" },
	{ HEAD "steps:\n  - {at: {}, inject: [{kind: nmi}]}\n" CHECK,
	  "t.yaml:4:10: steps[0].at: needs exactly one of sync, delay_us" },
	{ HEAD "steps:\n  - {at: {tick: 1}, inject: [{kind: nmi}]}\n" CHECK,
	  "t.yaml:4:11: steps[0].at: unknown key 'tick'" },
	{ HEAD "steps:\n  - {at: {sync: 2}, inject: [{kind: nmi}]}\n"
	  "  - {at: {delay_us: 1}, inject: [{kind: nmi}]}\n"
	  "  - {at: {sync: 2}, inject: [{kind: nmi}]}\n" CHECK,
	  "t.yaml:6:17: steps[2].at.sync: 2 is not after the previous sync step's 2" },
	{ HEAD "steps:\n  - {at: {delay_us: 10000000}, inject: [{kind: nmi}]}\n" CHECK,
	  "t.yaml:4:21: steps[0].at.delay_us: 10000000 us is not before the timeout (10 s)" },
	{ HEAD "steps:\n  - {at: {sync: 1}, inject: []}\n" CHECK,
	  "t.yaml:4:29: steps[0].inject: empty list" },
	{ HEAD "steps:\n  - {at: {sync: 1}, inject: {kind: nmi}}\n" CHECK,
	  "t.yaml:4:29: steps[0].inject: expected a list, got a map" },
	{ STEP("{vector: 3}"), "t.yaml:6:9: steps[0].inject[0]: missing required key 'kind'" },
	{ STEP("{kind: ipi}"),
	  "t.yaml:6:16: steps[0].inject[0].kind: 'ipi' is not one of msi, pin, nmi, exception, init, sipi, spurious" },
	{ STEP("{kind: nmi, vector: 2}"), "t.yaml:6:21: steps[0].inject[0]: kind nmi takes no 'vector'" },
	{ STEP("{kind: nmi, colour: 2}"), "t.yaml:6:21: steps[0].inject[0]: unknown key 'colour'" },
	{ STEP("{kind: nmi, kind: nmi}"), "t.yaml:6:21: steps[0].inject[0]: duplicate key 'kind'" },
	{ STEP("{kind: msi}"), "t.yaml:6:9: steps[0].inject[0]: missing required key 'vector'" },
	{ STEP("{kind: msi, vector: 256}"),
	  "t.yaml:6:29: steps[0].inject[0].vector: 256 is out of range 0..255" },
	{ STEP("{kind: msi, vector: 0x20, dest: 0x100}"),
	  "t.yaml:6:41: steps[0].inject[0].dest: 0x100 is out of range 0..255" },
	{ STEP("{kind: msi, vector: 0x20, delivery: fast}"),
	  "t.yaml:6:45: steps[0].inject[0].delivery: 'fast' is not one of fixed, lowest, smi, nmi, init, extint or 0..7" },
	{ STEP("{kind: msi, vector: 0x20, delivery: 8}"),
	  "t.yaml:6:45: steps[0].inject[0].delivery: 8 is out of range 0..7" },
	{ STEP("{kind: msi, vector: 0x20, trigger: rising}"),
	  "t.yaml:6:44: steps[0].inject[0].trigger: 'rising' is not one of edge, level" },
	{ STEP("{kind: pin, pin: 24}"), "t.yaml:6:26: steps[0].inject[0].pin: 24 is out of range 0..23" },
	{ STEP("{kind: pin}"), "t.yaml:6:9: steps[0].inject[0]: missing required key 'pin'" },
	{ STEP("{kind: pin, pin: 1, action: toggle}"),
	  "t.yaml:6:37: steps[0].inject[0].action: 'toggle' is not one of assert, deassert, pulse" },
	{ STEP("{kind: exception, vector: 32}"),
	  "t.yaml:6:35: steps[0].inject[0].vector: 32 is out of range 0..31" },
	{ STEP("{kind: exception, vector: 3, error_code: 0}"),
	  "t.yaml:6:38: steps[0].inject[0]: vector 3 has no error code" },
	{ STEP("{kind: exception, vector: 13, error_code: 0x100000000}"),
	  "t.yaml:6:51: steps[0].inject[0].error_code: 0x100000000 is out of range 0..4294967295" },
	{ STEP("{kind: exception, vector: 13, cr2: 0}"),
	  "t.yaml:6:39: steps[0].inject[0]: cr2 is only for vector 14 (#PF)" },
	{ STEP("{kind: exception, vector: 14, dr6: 0}"),
	  "t.yaml:6:39: steps[0].inject[0]: dr6 is only for vector 1 (#DB)" },
	{ STEP("{kind: exception, vector: 6, pending: yes}"),
	  "t.yaml:6:47: steps[0].inject[0].pending: expected true or false, got 'yes'" },
	{ STEP("{kind: init, dest: 1}"),
	  "t.yaml:6:28: steps[0].inject[0].dest: vCPU 1 does not exist (vcpus: 1)" },
	{ STEP("{kind: sipi, dest: 0}"), "t.yaml:6:9: steps[0].inject[0]: missing required key 'vector'" },
	{ STEP("{kind: nmi, dest: 1}"),
	  "t.yaml:6:27: steps[0].inject[0].dest: vCPU 1 does not exist (vcpus: 1)" },
	{ STEP("{kind: spurious, dest: 2}"),
	  "t.yaml:6:32: steps[0].inject[0].dest: vCPU 2 does not exist (vcpus: 1)" },
	{ STEP("{kind: pin, pin: 1, dest: 0}"), "t.yaml:6:29: steps[0].inject[0]: kind pin takes no 'dest'" },
	{ STEP("[kind, nmi]"), "t.yaml:6:9: steps[0].inject[0]: expected a map, got a list" },
	/* checks */
	{ HEAD "checks: []\n", "t.yaml:3:9: checks: empty list (a scenario must check something)" },
	{ HEAD "checks: {a: 1}\n", "t.yaml:3:9: checks: expected a list, got a map" },
	{ CHK("{expect: marks, value: 1}"), "t.yaml:4:5: checks[0]: missing required key 'name'" },
	{ CHK("{name: c, value: 1}"), "t.yaml:4:5: checks[0]: missing required key 'expect'" },
	{ CHK("{name: c, expect: marks}"), "t.yaml:4:5: checks[0]: missing required key 'value'" },
	{ CHK("{name: c, expect: marks, value: 1, note: x}"), "t.yaml:4:40: checks[0]: unknown key 'note'" },
	{ CHK("{name: c, expect: exits, value: 1}"),
	  "t.yaml:4:23: checks[0].expect: 'exits' is not one of entries, count, isr_at_entry, softirqs, tasklets, marks, eois, intact" },
	{ CHK("{name: c, expect: count, value: 1}"), "t.yaml:4:5: checks[0]: expect count needs a vector" },
	{ CHK("{name: c, expect: marks, cpu: 1, value: 1}"),
	  "t.yaml:4:35: checks[0].cpu: 1 is out of range 0..0" },
	{ HEAD "vcpus: 2\n" "checks:\n  - {name: c, expect: marks, cpu: two, value: 1}\n",
	  "t.yaml:5:35: checks[0].cpu: expected an integer, got 'two'" },
	{ CHK("{name: c, expect: entries, vector: 3, value: 1}"),
	  "t.yaml:4:32: checks[0]: expect entries takes no vector" },
	{ CHK("{name: c, expect: count, vector: 0x41, value: [1]}"),
	  "t.yaml:4:51: checks[0].value: a count takes one integer, got a list" },
	{ CHK("{name: c, expect: count, vector: 0x41, value: true}"),
	  "t.yaml:4:51: checks[0].value: a count is an integer, not true" },
	{ CHK("{name: c, expect: count, vector: 0x41, value: -1}"),
	  "t.yaml:4:51: checks[0].value: -1 is out of range 0..9223372036854775807" },
	{ CHK("{name: c, expect: isr_at_entry, vector: 0x41, value: [1, 2]}"),
	  "t.yaml:4:62: checks[0].value[1]: 2 is out of range 0..1" },
	{ CHK("{name: c, expect: entries, value: [0x20, 0x100]}"),
	  "t.yaml:4:46: checks[0].value[1]: 0x100 is out of range 0..255" },
	{ CHK("{name: c, expect: marks, value: [1, [2]]}"),
	  "t.yaml:4:41: checks[0].value[1]: expected a scalar, got a list" },
	{ CHK("{name: c, expect: marks, value: {a: 1}}"),
	  "t.yaml:4:37: checks[0].value: expected a list or a value, got a map" },
	{ CHK("{name: c, expect: marks, value: 0x8000000000000000}"),
	  "t.yaml:4:37: checks[0].value: 0x8000000000000000 does not fit in 64 signed bits" },
	{ CHK("{name: c, expect: marks, value: -9223372036854775809}"),
	  "t.yaml:4:37: checks[0].value: -9223372036854775809 does not fit in 64 signed bits" },
	{ CHK("{name: \"a\\tb\", expect: marks, value: 1}"),
	  "t.yaml:4:12: checks[0].name: 'a?b' may only contain printable characters on one line" },
	{ HEAD "checks:\n  - {name: c, expect: marks, value: 1}\n  - {name: c, expect: eois, value: 1}\n",
	  "t.yaml:5:12: checks[1].name: 'c' is already the name of line 4's check" },
	{ HEAD "irqchip: [kernel, split]\n"
	  "checks:\n  - {name: c, expect: marks, value: 1, known: {user: {ref: r, observed: 2}}}\n",
	  "t.yaml:5:48: checks[0].known: mode 'user' is not in irqchip" },
	{ CHK("{name: c, expect: marks, value: 1, known: {qemu: {ref: r, observed: 2}}}"),
	  "t.yaml:4:48: checks[0].known: unknown key 'qemu'" },
	{ CHK("{name: c, expect: marks, value: 1, known: {user: {observed: 2}}}"),
	  "t.yaml:4:54: checks[0].known.user: missing required key 'ref'" },
	{ CHK("{name: c, expect: marks, value: 1, known: {user: {ref: r}}}"),
	  "t.yaml:4:54: checks[0].known.user: missing required key 'observed'" },
	{ CHK("{name: c, expect: marks, value: 1, known: {user: {ref: r, observed: 2, why: x}}}"),
	  "t.yaml:4:76: checks[0].known.user: unknown key 'why'" },
	{ CHK("{name: c, expect: marks, value: 1, known: {user: {ref: r, observed: 2}, user: {ref: r, observed: 2}}}"),
	  "t.yaml:4:77: checks[0].known: duplicate key 'user'" },
	{ CHK("{name: c, expect: marks, value: 1, known: {user: {ref: \"0123456789012345678901234567890123456789012345678\", observed: 2}}}"),
	  "t.yaml:4:60: checks[0].known.user.ref: longer than 47 characters" },
	{ CHK("{name: c, expect: count, vector: 2, value: 1, known: {user: {ref: r, observed: [1, 2]}}}"),
	  "t.yaml:4:84: checks[0].known.user.observed: a count takes one integer, got a list" },
	{ HEAD CHECK "hide: 0x52\n", "t.yaml:5:7: hide: expected a list of vectors, got a scalar" },
	{ HEAD CHECK "hide: []\n", "t.yaml:5:7: hide: empty list (leave it out to hide nothing)" },
	{ HEAD CHECK "hide: [0x52, 0x1f]\n", "t.yaml:5:14: hide[1]: 0x1f is out of range 32..255" },
	{ HEAD CHECK "hide: [0x52, 82]\n", "t.yaml:5:14: hide[1]: 0x52 listed twice" },
};

/* A list of @n copies of @item under @key, inside a minimal scenario. */
static char *many(const char *prefix, const char *item, unsigned n, const char *suffix)
{
	size_t len = strlen(prefix) + n * strlen(item) + strlen(suffix) + 1;
	char *s = malloc(len), *q = s;

	q = stpcpy(q, prefix);
	for (unsigned i = 0; i < n; i++)
		q = stpcpy(q, item);
	stpcpy(q, suffix);
	return s;
}

static void test_err_case(const char *doc, const char *want, const char *what)
{
	char err[ERRLEN];
	int ret;

	memset(err, 'x', sizeof(err));
	ret = parse(doc, err);
	if (!ok(ret == -1 && !strcmp(err, want), "%s", what))
		printf("#   ret %d\n#   got  %s\n#   want %s\n", ret, err, want);
}

/* Named values: each name is its number, NAME+N adds, and they work where numbers do */
static void test_names(void)
{
	static const char doc[] =
		"name: t\nguest: g\n"
		"steps:\n  - {at: {sync: 1}, inject: [{kind: msi, vector: LOCAL_TIMER_VECTOR}]}\n"
		"checks:\n"
		"  - {name: a, expect: marks, value: [IVM_MARK_DEPTH+1, 1, IVM_MARK_DEPTH+0x2, "
		"IVM_MARK_SEQ, IVM_MARK_COUNT+7]}\n"
		"  - {name: b, expect: count, vector: SPURIOUS_APIC_VECTOR, value: 0}\n"
		"  - {name: c, expect: entries, value: [CALL_FUNCTION_SINGLE_VECTOR, X86_TRAP_NMI]}\n";
	static const int64_t marks[] = { 0x101, 1, 0x102, 0x10000000, 0x30000007 };
	char err[ERRLEN] = "";
	const char *name;
	uint64_t v;
	unsigned i, n = 0;
	bool all = true;

	if (!ok(parse(doc, err) == 0, "names: a config written with names parses"))
		printf("#   %s\n", err);
	ok(sc.checks[0].expect.n == 5 && !memcmp(sc.checks[0].expect.v, marks, sizeof(marks)),
	   "names: IVM_MARK_DEPTH+1 is 0x101, +0x2 adds hex, the tags are their values");
	ok(sc.steps[0].inj[0].vector == 0xec && sc.checks[1].vector == 0xff,
	   "names: LOCAL_TIMER_VECTOR is 0xec as an injection's vector, SPURIOUS_APIC_VECTOR 0xff");
	ok(sc.checks[2].expect.n == 2 && sc.checks[2].expect.v[0] == 0xfb &&
	   sc.checks[2].expect.v[1] == 2, "names: vectors in a list");
	scenario__free(&sc);
	/* every name of the table parses to its value */
	for (i = 0; (name = yaml__value_name(i, &v)); i++, n++) {
		char one[256];

		snprintf(one, sizeof(one), "name: t\nguest: g\nchecks:\n"
			 "  - {name: c, expect: marks, value: [%s]}\n", name);
		if (parse(one, err) || sc.checks[0].expect.n != 1 ||
		    (uint64_t)sc.checks[0].expect.v[0] != v) {
			printf("#   %s: %s\n", name, err);
			all = false;
		}
		scenario__free(&sc);
	}
	ok(n >= 10 && all, "names: each of the %u names is its value", n);
}

static void test_errors(void)
{
	char *doc, buf[64], err[ERRLEN];

	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++)
		test_err_case(err_cases[i].doc, err_cases[i].want, err_cases[i].want + 7);

	/* Limits: one more than allowed, at the first item too many. */
	doc = many(HEAD "steps:\n", "  - {at: {delay_us: 1}, inject: [{kind: nmi}]}\n", SC_MAX_STEPS + 1,
		   CHECK);
	test_err_case(doc, "t.yaml:36:5: steps: more than 32 items", "steps: more than 32 items");
	free(doc);
	doc = many(HEAD "steps:\n  - at: {sync: 0}\n    inject:\n", "      - {kind: nmi}\n",
		   SC_MAX_INJ + 1, CHECK);
	test_err_case(doc, "t.yaml:22:9: steps[0].inject: more than 16 items",
		      "inject: more than 16 items");
	free(doc);
	doc = many(HEAD "checks:\n", "  - {name: c, expect: marks, value: 1}\n", SC_MAX_CHECKS + 1, "");
	test_err_case(doc, "t.yaml:5:12: checks[1].name: 'c' is already the name of line 4's check",
		      "checks: duplicate names");
	free(doc);
	{
		char *d = malloc(SC_MAX_CHECKS * 48 + 64), *q = d;

		q = stpcpy(q, HEAD "checks:\n");
		for (unsigned i = 0; i <= SC_MAX_CHECKS; i++)
			q += sprintf(q, "  - {name: c%u, expect: marks, value: 1}\n", i);
		test_err_case(d, "t.yaml:36:5: checks: more than 32 items", "checks: more than 32 items");
		free(d);
	}
	doc = many(HEAD "checks:\n  - name: c\n    expect: marks\n    value: [", "1, ", SC_MAX_VALUES,
		   "1]\n");
	test_err_case(doc, "t.yaml:6:109: checks[0].value: more than 32 items",
		      "value: more than 32 items");
	free(doc);
	doc = many(HEAD "checks:\n  - name: c\n    expect: marks\n    value: [", "1, ", SC_MAX_VALUES - 1,
		   "1]\n");
	ok(parse(doc, err) == 0 && sc.checks[0].expect.n == SC_MAX_VALUES, "value: exactly 32 items");
	free(doc);

	/* A failed parse leaves nothing half-filled behind. */
	ok(parse(HEAD "vcpus: 2\n" CHECK "bogus: 1\n", err) == -1 && sc.vcpus == 0 && !sc.name[0],
	   "failed parse zeroes the scenario");
	/* A short buffer truncates the message, still NUL-terminated. */
	memset(buf, 'x', sizeof(buf));
	ok(parse_n(HEAD, strlen(HEAD), buf, 10) == -1 && !strcmp(buf, "t.yaml:1:"),
	   "short error buffer truncates");
	ok(scenario__parse(HEAD, strlen(HEAD), "t.yaml", &sc, NULL, 0) == -1, "no error buffer");
	/* The file name is echoed, but never breaks the line. */
	ok(scenario__parse("", 0, "a\nb", &sc, err, sizeof(err)) == -1 &&
	   !strcmp(err, "a?b:1:1: empty file: expected a scenario map"), "newline in file name");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Nesting deeper than 32 is refused at the 33rd level, before libyaml's
 * scanner, quadratic in depth, reads the rest (500 KB of '[' took over 30 s).
 */
static void test_depth(void)
{
	const size_t big = 500 * 1024;
	char *doc = malloc(big + 1), err[ERRLEN], d[256], *q;
	double t;
	int ret;

	memset(doc, '[', big);
	doc[big] = '\0';
	t = now_s();
	ret = parse(doc, err);
	t = now_s() - t;
	if (!ok(ret == -1 && !strcmp(err, "t.yaml:1:33: nested deeper than 32 levels of maps and lists"),
		"500 KB of '[': refused at depth 33"))
		printf("#   got %s\n", err);
	ok(t < 1.0, "500 KB of '[': refused in %.3f s", t);
	for (size_t i = 0; i + 4 <= big; i += 4)
		memcpy(doc + i, "{a: ", 4);
	t = now_s();
	ret = parse(doc, err);
	t = now_s() - t;
	if (!ok(ret == -1 && !strcmp(err, "t.yaml:1:129: nested deeper than 32 levels of maps and lists") &&
		t < 1.0, "500 KB of '{a: ': refused at depth 33 in %.3f s", t))
		printf("#   got %s\n", err);
	free(doc);

	/* value: is at depth 3, so 29 lists reach 32 (a schema error) and 30 are too deep */
	for (unsigned k = 29; k <= 30; k++) {
		q = stpcpy(d, HEAD "checks:\n  - {name: c, expect: marks, value: ");
		memset(q, '[', k);
		memset(q + k, ']', k);
		strcpy(q + 2 * k, "}\n");
		ret = parse(d, err);
		if (k == 29)
			ok(ret == -1 && strstr(err, "expected a scalar, got a list"),
			   "depth 32: parsed, refused by the schema (%s)", err);
		else
			test_err_case(d, "t.yaml:4:66: nested deeper than 32 levels of maps and lists",
				      "depth 33 in a flow list: refused");
	}
	/* the loader reads a second document too, so it is checked as well */
	q = stpcpy(d, HEAD CHECK "---\n");
	memset(q, '[', 40);
	q[40] = '\0';
	test_err_case(d, "t.yaml:6:33: nested deeper than 32 levels of maps and lists",
		      "depth 33 in a second document: refused");
}

/* The format as first specified, comments and all. */
static const char brief[] =
	"name: priority-order            # required, [a-z0-9-], <= 63 chars\n"
	"description: >                  # optional, <= 255 chars\n"
	"  Two fixed interrupts pending together are taken highest class first.\n"
	"guest: priority                 # required: the guest program (passed as scenario=NAME), [a-z0-9_-]\n"
	"irqchip: [kernel, split, user]  # optional, default all three; a scalar is one mode\n"
	"vcpus: 2                        # optional, 1..8\n"
	"timeout: 10                     # optional seconds, (0, 600]\n"
	"steps:                          # optional list\n"
	"  - at: {sync: 1}               # or {delay_us: 500}; exactly one key\n"
	"    inject:                     # list, 1..SC_MAX_INJ items, each a map with kind:\n"
	"      - {kind: msi, vector: 0x41}                       # dest (default 0), delivery, trigger\n"
	"      - {kind: pin, pin: 5, action: assert}             # action: assert|deassert|pulse\n"
	"      - {kind: nmi}\n"
	"      - {kind: exception, vector: 14, error_code: 2, cr2: 0x1000, pending: false}\n"
	"      - {kind: init, dest: 1}\n"
	"      - {kind: sipi, dest: 1, vector: 0x10}\n"
	"      - {kind: spurious}\n"
	"checks:                         # required, 1..SC_MAX_CHECKS\n"
	"  - name: higher class first    # required, <= 63 chars\n"
	"    expect: entries             # entries|count|isr_at_entry|softirqs|tasklets|marks|eois\n"
	"    value: [0x61, 0x41]         # list of integers, or one integer, or true/false\n"
	"    known:                      # optional: a host known to differ, per irqchip mode\n"
	"      kernel: {ref: \"PVM-4\", observed: [0x61]}\n";

static void test_brief(void)
{
	char doc[sizeof(brief)], err[ERRLEN];
	char *v;

	ok(parse(brief, err) == 0 && sc.nsteps == 1 && sc.steps[0].ninj == 7 && sc.nchecks == 1 &&
	   sc.irqchips == IRQCHIP_ALL && sc.vcpus == 2 && sc.timeout_s == 10 &&
	   sc.steps[0].inj[3].cr2 == 0x1000 && sc.checks[0].known[IRQCHIP_KERNEL].set,
	   "the format's own example parses");
	/* With one vCPU, INIT and SIPI to vCPU 1 have no target. */
	memcpy(doc, brief, sizeof(brief));
	v = strstr(doc, "vcpus: 2");
	v[7] = '1';
	test_err_case(doc, "t.yaml:15:28: steps[0].inject[4].dest: vCPU 1 does not exist (vcpus: 1)",
		      "INIT to a vCPU that does not exist");
}

static void test_modes(void)
{
	enum irqchip_mode m = IRQCHIP_NR;

	ok(!strcmp(irqchip_mode__name(IRQCHIP_KERNEL), "kernel") &&
	   !strcmp(irqchip_mode__name(IRQCHIP_SPLIT), "split") &&
	   !strcmp(irqchip_mode__name(IRQCHIP_USER), "user"), "irqchip_mode__name");
	ok(!strcmp(irqchip_mode__name(IRQCHIP_NR), "unknown"), "irqchip_mode__name out of range");
	ok(irqchip_mode__parse("split", &m) == 0 && m == IRQCHIP_SPLIT, "irqchip_mode__parse split");
	ok(irqchip_mode__parse("Split", &m) == -1 && irqchip_mode__parse("", &m) == -1,
	   "irqchip_mode__parse rejects others");
}

/* guest: against a kernel's own list (vmm validate --kernel): found, or one line naming the kernel */
static void test_guest_in(void)
{
	static const char *const mine[] = { "my-priority", "tpr", NULL };
	static const char *const none[] = { NULL };
	char err[ERRLEN], big[40][8];
	const char *many[41];

	ok(parse("name: t\nguest: tpr\nchecks:\n  - {name: c, expect: marks, value: 1}\n", err) == 0, "a config naming tpr parses");
	ok(scenario__check_guest_in(&sc, "t.yaml", mine, "k.elf", err, sizeof(err)) == 0,
	   "guest: tpr is one of the kernel's");
	ok(parse("name: t\nguest: nesting\nchecks:\n  - {name: c, expect: marks, value: 1}\n", err) == 0, "a config naming nesting parses");
	ok(scenario__check_guest(&sc, "t.yaml", err, sizeof(err)) == 0, "nesting is guest.elf's");
	ok(scenario__check_guest_in(&sc, "t.yaml", mine, "k.elf", err, sizeof(err)) == -1 &&
	   !strcmp(err, "t.yaml:2:8: guest: 'nesting' is not a scenario program of k.elf "
		   "(its scenarios: my-priority tpr)"), "a name the kernel lacks: its place, the kernel, its names");
	printf("#   %s\n", err);
	ok(scenario__check_guest_in(&sc, "t.yaml", none, "k.elf", err, sizeof(err)) == -1 &&
	   strstr(err, "k.elf (it registers no scenario)"), "a kernel with no scenario says so");
	for (int i = 0; i < 40; i++) {
		snprintf(big[i], sizeof(big[i]), "sc-%02d", i);
		many[i] = big[i];
	}
	many[40] = NULL;
	ok(scenario__check_guest_in(&sc, "t.yaml", many, "k.elf", err, sizeof(err)) == -1 &&
	   strstr(err, "sc-00 sc-01 ") && strstr(err, " ...)") && !strstr(err, "sc-39") &&
	   strlen(err) < 260, "a long list is cut with ...");
	printf("#   %s\n", err);
}

static void test_load(void)
{
	char path[] = "/tmp/test_scenario.XXXXXX", err[ERRLEN], want[ERRLEN + 64];
	int fd = mkstemp(path);
	FILE *f;
	char *big;

	if (!ok(fd >= 0, "temp file"))
		return;
	f = fdopen(fd, "w");
	fputs(full, f);
	fclose(f);
	ok(scenario__load(path, &sc, err, sizeof(err)) == 0 && sc.nchecks == 7 &&
	   !strcmp(sc.name, "priority-order"), "load from a file");

	f = fopen(path, "w");
	fputs(HEAD "vcpus: 9\n" CHECK, f);
	fclose(f);
	snprintf(want, sizeof(want), "%s:3:8: vcpus: 9 is out of range 1..8", path);
	ok(scenario__load(path, &sc, err, sizeof(err)) == -1 && !strcmp(err, want),
	   "load: messages name the file");

	big = malloc((1 << 20) + 2);
	memset(big, '#', (1 << 20) + 1);
	big[(1 << 20) + 1] = '\0';
	f = fopen(path, "w");
	fputs(big, f);
	fclose(f);
	free(big);
	snprintf(want, sizeof(want), "%s: cannot read: larger than 1 MiB", path);
	ok(scenario__load(path, &sc, err, sizeof(err)) == -1 && !strcmp(err, want),
	   "load: over 1 MiB refused");
	unlink(path);

	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", path);
	ok(scenario__load(path, &sc, err, sizeof(err)) == -1 && !strcmp(err, want),
	   "load: missing file");
	ok(scenario__load("/tmp", &sc, err, sizeof(err)) == -1 &&
	   !strcmp(err, "/tmp: cannot read: Is a directory"), "load: a directory");
}

static uint64_t rng = 0x5eed5ce7a1105ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Bytes that matter to YAML or to our schema, so mutations reach deep. */
static const char fuzz_bytes[] = ":-[]{},#&*!|>'\"\n \t0123456789xabkz?%@`\\\r\x80\xff";

/* The error contract: "t.yaml:LINE:COL: text" or "t.yaml: text", one line. */
static bool err_ok(const char *err)
{
	return !strncmp(err, "t.yaml:", 7) && strlen(err) > 8 && !strchr(err, '\n') &&
	       strlen(err) < ERRLEN;
}

/* What a successful parse promises the runner, whatever the input was. */
static bool sc_sane(const struct scenario *s)
{
	if (s->nsteps > SC_MAX_STEPS || s->nchecks < 1 || s->nchecks > SC_MAX_CHECKS ||
	    !s->name[0] || !s->guest[0] || !s->irqchips || s->irqchips & ~IRQCHIP_ALL ||
	    s->vcpus < 1 || s->vcpus > 2 || !(s->timeout_s > 0 && s->timeout_s <= 600))
		return false;
	for (unsigned i = 0; i < s->nsteps; i++) {
		if (s->steps[i].ninj < 1 || s->steps[i].ninj > SC_MAX_INJ)
			return false;
		for (unsigned j = 0; j < s->steps[i].ninj; j++)
			if (s->steps[i].inj[j].pin > 23)
				return false;
	}
	for (unsigned i = 0; i < s->nchecks; i++) {
		if (s->checks[i].expect.n > SC_MAX_VALUES || !s->checks[i].name[0])
			return false;
		for (unsigned m = 0; m < IRQCHIP_NR; m++)
			if (s->checks[i].known[m].set && !(s->irqchips & 1u << m))
				return false;
	}
	return true;
}

static void test_fuzz(void)
{
	size_t flen = strlen(full);
	unsigned parsed = 0, failed = 0, bad = 0, insane = 0;
	char *doc = malloc(2 * flen + 64);
	char err[ERRLEN];

	/* Every truncation of the full document. */
	for (size_t n = 0; n <= flen; n++) {
		err[0] = '\0';
		if (parse_n(full, n, err, sizeof(err)) == 0)
			insane += !sc_sane(&sc), parsed++;
		else
			bad += !err_ok(err), failed++;
	}
	for (unsigned it = 0; it < 5000; it++) {
		size_t len = flen, pos, k;
		unsigned nmut = 1 + rnd() % 4;

		memcpy(doc, full, flen);
		for (unsigned m = 0; m < nmut && len; m++) {
			pos = rnd() % len;
			switch (rnd() % 5) {
			case 0:	/* replace a byte */
				doc[pos] = fuzz_bytes[rnd() % (sizeof(fuzz_bytes) - 1)];
				break;
			case 1:	/* insert a byte */
				memmove(doc + pos + 1, doc + pos, len - pos);
				doc[pos] = fuzz_bytes[rnd() % (sizeof(fuzz_bytes) - 1)];
				len++;
				break;
			case 2:	/* delete a run */
				k = 1 + rnd() % 8;
				if (k > len - pos)
					k = len - pos;
				memmove(doc + pos, doc + pos + k, len - pos - k);
				len -= k;
				break;
			case 3:	/* copy a run elsewhere (duplicates keys and items) */
				k = 1 + rnd() % 40;
				if (k > len - pos)
					k = len - pos;
				if (len + k <= 2 * flen) {
					size_t at = rnd() % (len + 1);

					memmove(doc + at + k, doc + at, len - at);
					memmove(doc + at, doc + (pos >= at ? pos + k : pos), k);
					len += k;
				}
				break;
			default: /* truncate */
				len = pos;
				break;
			}
		}
		err[0] = '\0';
		if (parse_n(doc, len, err, sizeof(err)) == 0) {
			parsed++;
			insane += !sc_sane(&sc);
		} else {
			failed++;
			if (!err_ok(err) && bad++ < 5)
				printf("#   bad error: '%s'\n", err);
		}
	}
	free(doc);
	printf("# fuzz: %u parsed, %u refused\n", parsed, failed);
	ok(!bad, "fuzz: every refusal is one 't.yaml:...' line");
	ok(!insane, "fuzz: every accepted scenario is within limits");
	ok(parsed && failed, "fuzz: mutations both pass and fail");
}

/* scenario__write: what it writes parses back to the same scenario, field by field */
static bool same_scenario(const struct scenario *a, const struct scenario *b)
{
	bool same = !strcmp(a->name, b->name) && !strcmp(a->description, b->description) &&
		    !strcmp(a->guest, b->guest) && a->irqchips == b->irqchips && a->vcpus == b->vcpus &&
		    a->timeout_s == b->timeout_s && a->nsteps == b->nsteps && a->nchecks == b->nchecks;

	for (unsigned i = 0; same && i < a->nsteps; i++) {
		const struct step *x = &a->steps[i], *y = &b->steps[i];

		same = x->at == y->at && x->n == y->n && x->ninj == y->ninj;
		for (unsigned j = 0; same && j < x->ninj; j++) {
			struct injection p = x->inj[j], q = y->inj[j];

			p.line = q.line = 0;	/* where it stood in its file */
			same = !memcmp(&p, &q, sizeof(p));
		}
	}
	for (unsigned i = 0; same && i < a->nchecks; i++) {
		struct check p = a->checks[i], q = b->checks[i];

		p.line = q.line = 0;
		same = !memcmp(&p, &q, sizeof(p));
	}
	return same;
}

static void test_write(void)
{
	static struct scenario back, planted;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!ok(scenario__parse(full, sizeof(full) - 1, "full.yaml", &sc, err, sizeof(err)) == 0,
		"write: the full example parses (%s)", err))
		return;
	f = open_memstream(&buf, &len);
	ok(f && scenario__write(&sc, "a comment\nover two lines", f) == 0, "write: written");
	fclose(f);
	ok(!strncmp(buf, "# a comment\n# over two lines\n", strlen("# a comment\n# over two lines\n")),
	   "write: the comment heads it as # lines");
	if (!ok(scenario__parse(buf, len, "written.yaml", &back, err, sizeof(err)) == 0,
		"write: what it wrote parses (%s)", err))
		printf("# %s\n", buf);
	ok(same_scenario(&sc, &back), "write: the same steps, injections, checks and known entries");
	/* the comparison is no tautology: one changed injection is seen */
	scenario__parse(buf, len, "written.yaml", &planted, err, sizeof(err));
	if (planted.nsteps > 1)
		planted.steps[1].inj[2].cr2 ^= 0x1000;
	ok(!same_scenario(&sc, &planted), "write: a changed cr2 is told apart");
	free(buf);
	scenario__free(&back);
	scenario__free(&planted);

	/* hide: read, kept, written back */
	buf = NULL;
	if (!ok(parse(HEAD CHECK "hide: [0xff, 0x52]\n", err) == 0 && sc.nhide == 2 &&
		scenario__hides(&sc, 0x52) && scenario__hides(&sc, 0xff) && !scenario__hides(&sc, 0x53),
		"hide: two vectors read (%s)", err))
		return;
	f = open_memstream(&buf, &len);
	scenario__write(&sc, NULL, f);
	fclose(f);
	ok(strstr(buf, "\nhide: [0x52, 0xff]\n") &&
	   scenario__parse(buf, len, "written.yaml", &back, err, sizeof(err)) == 0 &&
	   back.nhide == 2 && !memcmp(back.hide, sc.hide, sizeof(sc.hide)), "hide: written and read back");
	free(buf);
	scenario__free(&back);
}

int main(void)
{
	test_full();
	test_defaults();
	test_errors();
	test_names();
	test_depth();
	test_brief();
	test_modes();
	test_guest_in();
	test_load();
	test_fuzz();
	test_write();
	return tap_done();
}

# SPDX-License-Identifier: MIT
# Interrupt virtualization monitor: ./vmm (host, C11) and guest.elf (freestanding x86-64).
#
#   make run     install missing Debian packages, build, run the default demo
#   make test    the same, then every test (TAP, run by prove)
#   make rooms   check that every include and call goes the way docs/ARCHITECTURE.md allows
#   make bench   P1 boot against QEMU, P2 deliveries/s, P3 tracing, P4 diff, P5 replay, P6 storm, P7 conformance
#   make sanitize  the unit and integration tests under ASan+UBSan
#   make soak    every scenario in every irqchip mode SOAK_N (20) times, failures counted
#   make fuzz    each libFuzzer target (tests/fuzz/) for FUZZ_SECONDS (60); make clang: clang build
#   make install PREFIX=/usr/local DESTDIR=   vmm, guest.elf, configs, man page, bash completion,
#                the guest library (libivm-guest.a, headers, linker script, ivm-guest.pc)

CC	?= cc
BUILD	?= build
SAN	?=
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow \
	       -Wno-unused-parameter -Iinclude -I. -Ivmm \
	       -I/usr/include/tracefs -I/usr/include/traceevent $(SAN)
HOST_LDLIBS := -lZydis -lyaml -ltracefs -ltraceevent -lpthread -lrt
# libvirt is dlopen'ed (vmm/target/libvirt.c), but ASan resolves its XDR interceptors when it
# starts: a libtirpc that comes later leaves them NULL, and libvirt's RPC calls jump to 0
SAN_LDLIBS  := -Wl,--no-as-needed -lvirt -Wl,--as-needed
HOST_LDLIBS += $(if $(SAN),$(SAN_LDLIBS))

GUEST_CC	:= gcc
GUEST_CFLAGS	:= -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pie -no-pie \
		   -fno-stack-protector -fno-builtin -nostdlib -nostdinc -mno-red-zone \
		   -mgeneral-regs-only -fno-asynchronous-unwind-tables \
		   -fcf-protection=none -Iinclude -Iguest -isystem $(shell $(GUEST_CC) -print-file-name=include)
GUEST_LDFLAGS	:= -nostdlib -static -no-pie -Wl,-T,guest/guest.ld -Wl,--build-id=sha1 \
		   -Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000

ROOMS      := lib vapic trace $(sort $(dir $(wildcard vmm/*/)))
VMM_SRCS   := $(filter-out vmm/cli/main.c,$(foreach r,$(ROOMS),$(wildcard $(r:%/=%)/*.c)))
HOST_HDRS  := $(wildcard include/*.h lib/*.h vapic/*.h trace/*.h vmm/*/*.h)
VMM_OBJS   := $(VMM_SRCS:%.c=$(BUILD)/obj/%.o)
GUEST_SRCS := $(wildcard guest/*.c) $(wildcard guest/*.S)
# guest.elf = this tree's programs + the guest library (README "Writing a guest test"),
# which an out-of-tree test links the same way; every other guest file is the library
GUEST_PROG_SRCS := guest/programs.c guest/scenarios.c guest/selftest.c guest/tcases.S \
		   guest/storm.c guest/sweep.c guest/sweep.S guest/hostile.c guest/pcitest.c
GUEST_LIB_SRCS  := $(filter-out $(GUEST_PROG_SRCS),$(GUEST_SRCS))
GUEST_PROG_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(GUEST_PROG_SRCS))
GUEST_LIB_OBJS  := $(patsubst %,$(BUILD)/obj/%.o,$(GUEST_LIB_SRCS))
GUEST_LIB	:= $(BUILD)/libivm-guest.a
# the headers a program includes (ivm.h and what it includes)
GUEST_LIB_HDRS	:= guest/ivm.h guest/guest.h guest/x86.h guest/irq.h guest/softirq.h include/abi.h
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# The binary can't be ./vmm: that name is the source directory. `make vmm`
# and `make guest.elf` are aliases for the real outputs under $(BUILD)/.
VMM_BIN   := $(BUILD)/vmm
GUEST_ELF := $(BUILD)/guest.elf

.PHONY: all deps run test unit rooms sanitize bench clean vmm guest.elf golden soak print-ldlibs
all: $(VMM_BIN) $(GUEST_ELF) $(GUEST_LIB)
vmm: $(VMM_BIN)
guest.elf: $(GUEST_ELF)

deps:
	@scripts/deps.sh

$(BUILD)/obj/%.o: %.c $(HOST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/libvmm.a: $(VMM_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(VMM_BIN): $(BUILD)/obj/vmm/cli/main.o $(BUILD)/libvmm.a
	$(CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LDLIBS)

$(BUILD)/obj/guest/%.c.o: guest/%.c $(wildcard include/*.h guest/*.h)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/obj/guest/%.S.o: guest/%.S $(wildcard include/*.h guest/*.h)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -D__ASSEMBLER__ -c $< -o $@

$(GUEST_LIB): $(GUEST_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# the whole library: a program's registrations (ivm.h) are found by section, not by call
$(GUEST_ELF): $(GUEST_PROG_OBJS) $(GUEST_LIB) guest/guest.ld
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $(GUEST_PROG_OBJS) \
		-Wl,--whole-archive $(GUEST_LIB) -Wl,--no-whole-archive

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libvmm.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libvmm.a $(HOST_LDLIBS)

unit: $(UNIT_BINS)

run: deps all
	scripts/demo.sh $(VMM_BIN) $(GUEST_ELF)

# TEST_JOBS tests at once (each its own temporary folder); then, each on its
# own, the tests that need every CPU: ring-stress passes one NMI back and forth
# between two spinning vCPUs (a vCPU descheduled for another test stalls the
# hand-over: 55 s alone, 170 s beside the rest), and kvm_amd nested in QEMU TCG,
# a whole emulated machine under its watchdogs
TEST_JOBS ?= 2
SOLO_T := tests/integration/26-ring-stress.t tests/integration/80-nested-kvm.t
# the longest first (README Testing has their times), so the short ones fill the lanes at the end
LONG_T := $(addprefix tests/integration/,59-storm.t 90-fuzz.t 58-replay.t 61-conformance.t 63-libvirt.t)
test: deps all unit rooms
	VMM=$(VMM_BIN) GUEST=$(GUEST_ELF) prove -v --timer -j$(TEST_JOBS) --exec '' $(LONG_T) $(UNIT_BINS) \
		$(filter-out $(SOLO_T) $(LONG_T),$(sort $(wildcard tests/integration/*.t)))
	st=0; for t in $(SOLO_T); do \
		VMM=$(VMM_BIN) GUEST=$(GUEST_ELF) prove -v --timer --exec '' $$t || st=1; \
	done; exit $$st

# the rooms rule of docs/ARCHITECTURE.md: includes, then the built objects' calls
rooms: all
	scripts/rooms.sh . $(BUILD)/obj

# third-party leaks only (tests/lsan.supp says which); every run the tests make inherits it
sanitize: deps
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp NESTED_RUN_LIMIT=900 NESTED_CONF_TIMEOUT=60 $(MAKE) BUILD=build-san \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test

bench: deps all
	bench/p1_boot.sh
	@echo
	bench/p2_deliveries.sh
	@echo
	bench/p3_trace.sh
	@echo
	bench/p4_diff.sh
	@echo
	bench/p5_replay.sh
	@echo
	bench/p6_storm.sh
	@echo
	bench/p7_conformance.sh

# the link libraries, for tests that link a mutant vmm of their own
print-ldlibs:
	@echo $(HOST_LDLIBS)

golden: deps all
	scripts/golden.sh $(VMM_BIN) $(GUEST_ELF)

# every scenario in every mode SOAK_N times (default 20); a failure count for each
soak: deps all
	scripts/soak.sh $(VMM_BIN) $(GUEST_ELF)

clean:
	rm -rf build build-san build-clang build-fuzz

# ---- make install / uninstall (README "Install"): from $(BUILD), under $(DESTDIR)$(PREFIX) ----
PREFIX		?= /usr/local
DESTDIR		?=
BINDIR		:= $(PREFIX)/bin
DATADIR		:= $(PREFIX)/share/vmm
MAN1DIR		:= $(PREFIX)/share/man/man1
BASHCOMPDIR	:= $(PREFIX)/share/bash-completion/completions
MANPAGE		:= docs/vmm.1
COMPLETION	:= scripts/vmm-completion.bash
INSTALL_CONFIGS	:= $(notdir $(wildcard configs/*.yaml))
# the guest library: archive and linker script, headers, pkg-config file
GLIBDIR		:= $(PREFIX)/lib/ivm-guest
GINCDIR		:= $(PREFIX)/include/ivm-guest
PCDIR		:= $(PREFIX)/lib/pkgconfig
VERSION		:= $(shell sed -n 's/^\#define VMM_VERSION "\(.*\)"/\1/p' vmm/cli/main.c)

.PHONY: install uninstall
# an installed vmm finds guest.elf as ../share/vmm/guest.elf from its own directory
install: $(VMM_BIN) $(GUEST_ELF) $(GUEST_LIB)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/configs $(DESTDIR)$(MAN1DIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(GLIBDIR) $(DESTDIR)$(GINCDIR) $(DESTDIR)$(PCDIR)
	install -m 0644 $(GUEST_LIB) $(DESTDIR)$(GLIBDIR)/libivm-guest.a
	install -m 0644 guest/guest.ld $(DESTDIR)$(GLIBDIR)/ivm-guest.ld
	install -m 0644 $(GUEST_LIB_HDRS) $(DESTDIR)$(GINCDIR)/
	sed 's|@PREFIX@|$(PREFIX)|; s|@VERSION@|$(VERSION)|' guest/ivm-guest.pc.in > $(DESTDIR)$(PCDIR)/ivm-guest.pc
	chmod 0644 $(DESTDIR)$(PCDIR)/ivm-guest.pc
	install -m 0755 $(VMM_BIN) $(DESTDIR)$(BINDIR)/vmm
	install -m 0644 $(GUEST_ELF) $(DESTDIR)$(DATADIR)/guest.elf
	install -m 0644 $(addprefix configs/,$(INSTALL_CONFIGS)) $(DESTDIR)$(DATADIR)/configs/
	install -m 0644 $(MANPAGE) $(DESTDIR)$(MAN1DIR)/vmm.1
	install -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/vmm

# what install wrote, and the directories of our own it made; shared ones (bin/, man1/) stay
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vmm $(DESTDIR)$(DATADIR)/guest.elf $(DESTDIR)$(MAN1DIR)/vmm.1 \
		$(DESTDIR)$(BASHCOMPDIR)/vmm $(addprefix $(DESTDIR)$(DATADIR)/configs/,$(INSTALL_CONFIGS))
	rm -f $(DESTDIR)$(GLIBDIR)/libivm-guest.a $(DESTDIR)$(GLIBDIR)/ivm-guest.ld \
		$(addprefix $(DESTDIR)$(GINCDIR)/,$(notdir $(GUEST_LIB_HDRS))) $(DESTDIR)$(PCDIR)/ivm-guest.pc
	rmdir $(DESTDIR)$(DATADIR)/configs $(DESTDIR)$(DATADIR) $(DESTDIR)$(GLIBDIR) \
		$(DESTDIR)$(GINCDIR) 2>/dev/null || true

# ---- clang, and the libFuzzer targets in tests/fuzz/ (README "Fuzzing") ----
CLANG		?= clang
FUZZ_SECONDS	?= 60
FUZZ_DIR	:= build-fuzz
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS	:= $(filter-out $(SAN),$(HOST_CFLAGS)) -Itests/fuzz
FUZZ_BINS	:= $(patsubst tests/fuzz/fuzz_%.c,$(FUZZ_DIR)/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: clang fuzz fuzz-build fuzz-replay FORCE

# host code and unit tests under clang's -Wall -Wextra -Werror (the guest is gcc's)
clang:
	$(MAKE) CC=$(CLANG) BUILD=build-clang build-clang/vmm unit

# libvmm.a instrumented for libFuzzer: the sub-make rebuilds what changed, nothing else
ifneq ($(BUILD),$(FUZZ_DIR)/lib)
$(FUZZ_DIR)/lib/libvmm.a: FORCE
	@command -v $(CLANG) >/dev/null || { echo "$(CLANG) not found: scripts/deps.sh installs" \
		"clang and libclang-rt-14-dev (README \"Fuzzing\")" >&2; exit 1; }
	@$(MAKE) --no-print-directory CC=$(CLANG) BUILD=$(FUZZ_DIR)/lib \
		SAN="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" $@
endif

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_DIR)/lib/libvmm.a
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_DIR)/lib/libvmm.a \
		$(HOST_LDLIBS)

fuzz-build: $(FUZZ_BINS)

# each target for FUZZ_SECONDS: runs per target, and whether it crashed
fuzz: deps fuzz-build
	scripts/fuzz.sh run $(FUZZ_SECONDS)

# every seed and every recorded crash, once (tests/integration/90-fuzz.t does this in make test)
fuzz-replay: deps fuzz-build
	scripts/fuzz.sh replay

FORCE:

#!/bin/bash
# The libFuzzer targets (tests/fuzz/, README "Fuzzing"), built with clang,
# ASan and UBSan into build-fuzz/ whatever $BUILD is (make sanitize too):
# every seed and every input that ever crashed a target replays cleanly,
# then each target fuzzes for FUZZ_CI_SECONDS (default 3) from its seeds: a
# smoke run that keeps make test short; make fuzz fuzzes for real (60 s each).
. "$(dirname "$0")/lib.sh"

command -v clang >/dev/null 2>&1 ||
	skip_all "clang is not installed (scripts/deps.sh installs clang and libclang-rt-14-dev)"
echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' >"$TMP/t.c"
clang -fsanitize=fuzzer,address,undefined -o "$TMP/t" "$TMP/t.c" >/dev/null 2>&1 ||
	skip_all "clang cannot link -fsanitize=fuzzer (libclang-rt-14-dev is missing)"

# a make of our own: not make test's jobserver, not make sanitize's BUILD and SAN
unset MAKEFLAGS MFLAGS MAKELEVEL
run_limited 600 make -s fuzz-build >"$TMP/build" 2>&1
st=$?
ok $st "fuzz targets build (clang -fsanitize=fuzzer,address,undefined)"
[ $st -eq 0 ] || { tail -20 "$TMP/build" | sed 's/^/#   /'; done_testing; exit; }

secs=${FUZZ_CI_SECONDS:-3}
for t in $(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||'); do
	run_limited 300 scripts/fuzz.sh replay "$t" >"$TMP/$t.replay" 2>&1
	ok $? "$t: $(head -1 "$TMP/$t.replay" | sed "s/^fuzz $t: //")"
	tail -n +2 "$TMP/$t.replay" | sed 's/^/#   /'
	run_limited $((secs + 120)) scripts/fuzz.sh run "$secs" "$t" >"$TMP/$t.run" 2>&1
	ok $? "$t: $(head -1 "$TMP/$t.run" | sed "s/^fuzz $t: //")"
	tail -n +2 "$TMP/$t.run" | sed 's/^/#   /'
done
done_testing

/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): inputs handed to
 * code that takes a path, quiet stdout/stderr, and a byte reader that gives
 * zeros once the input runs out, so every input is a whole test case.
 */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sanitizer/common_interface_defs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * -close_fd_mask=3 closes fds 1 and 2 (libFuzzer and the sanitizers keep a
 * dup). Put /dev/null there before anything opens a file, or the next
 * open() would get fd 1 and the code under test would print into it.
 */
static inline void fuzz__quiet_fds(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	for (int fd = 1; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

/* An input as a file the code opens by name: a memfd, reached as /proc/self/fd/N. */
struct fuzz_file {
	int fd;
	char path[48];
};

static inline const char *fuzz_file__set(struct fuzz_file *f, const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (!f->path[0]) {
		f->fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		if (f->fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
	}
	if (ftruncate(f->fd, 0) < 0)
		abort();
	while (off < size) {
		ssize_t k = pwrite(f->fd, data + off, size - off, (off_t)off);

		if (k <= 0)
			abort();
		off += (size_t)k;
	}
	return f->path;
}

/* Reads fields off the input; past its end every field is 0. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint64_t fuzz_in__n(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		uint64_t b = 0;

		if (in->left) {
			b = *in->p++;
			in->left--;
		}
		v |= b << (8 * i);
	}
	return v;
}

static inline uint8_t fuzz_in__u8(struct fuzz_in *in) { return (uint8_t)fuzz_in__n(in, 1); }
static inline uint16_t fuzz_in__u16(struct fuzz_in *in) { return (uint16_t)fuzz_in__n(in, 2); }
static inline uint32_t fuzz_in__u32(struct fuzz_in *in) { return (uint32_t)fuzz_in__n(in, 4); }
static inline uint64_t fuzz_in__u64(struct fuzz_in *in) { return fuzz_in__n(in, 8); }

/* @n bytes into @dst, zeros past the input's end; returns @n. */
static inline size_t fuzz_in__bytes(struct fuzz_in *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->left -= k;
	return n;
}

/*
 * A broken invariant is a crash libFuzzer records. The reason goes through
 * the sanitizer's report fd, which -close_fd_mask leaves open.
 */
#define fuzz_assert(cond)                                                        \
	do {                                                                     \
		if (!(cond)) {                                                   \
			__sanitizer_report_error_summary("fuzz_assert failed: "  \
				__FILE__ ":" FUZZ_STR(__LINE__) ": " #cond);     \
			__builtin_trap();                                        \
		}                                                                \
	} while (0)
#define FUZZ_STR(x) FUZZ_STR_(x)
#define FUZZ_STR_(x) #x

#endif

// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file.h"

int read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	ssize_t got;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*buf = NULL;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, more than the %zu allowed", path,
			 (long long)st.st_size, max);
		goto fail;
	}
	*buf = malloc(st.st_size ? st.st_size : 1);
	if (!*buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	while (off < (size_t)st.st_size) {
		got = read(fd, *buf + off, st.st_size - off);
		if (got <= 0) {
			snprintf(err, errlen, "%s: read: %s", path, got ? strerror(errno) : "short file");
			goto fail;
		}
		off += got;
	}
	*len = off;
	close(fd);
	return 0;
fail:
	free(*buf);
	*buf = NULL;
	close(fd);
	return -1;
}

// SPDX-License-Identifier: MIT
/*
 * Appending to a fixed buffer (lib/strbuf.h): pieces go in one after another,
 * a piece too long is cut at the buffer's end, NUL-terminated, and nothing
 * more goes in after; a buffer of one byte takes its NUL, one of none nothing.
 */
#include <string.h>
#include "lib/strbuf.h"
#include "tap.h"

int main(void)
{
	char buf[16], one[1] = { 'x' };
	size_t k = 0;

	memset(buf, '#', sizeof(buf));
	k = strbuf__appendf(buf, sizeof(buf), k, "%s%d", "v=", 41);
	k = strbuf__appendf(buf, sizeof(buf), k, "%s%d", ", v=", 42);
	ok(k == 10 && !strcmp(buf, "v=41, v=42"), "two pieces in a row: \"%s\" (%zu)", buf, k);
	k = strbuf__appendf(buf, sizeof(buf), k, ", and %s", "more than fits");
	ok(k == sizeof(buf) - 1 && !strcmp(buf, "v=41, v=42, and"), "a piece too long is cut at the end, "
	   "NUL-terminated: \"%s\" (%zu)", buf, k);
	ok(strbuf__appendf(buf, sizeof(buf), k, "x") == k && !strcmp(buf, "v=41, v=42, and"),
	   "a full buffer takes nothing more");
	ok(strbuf__appendf(one, sizeof(one), 0, "x") == 0 && one[0] == 0,
	   "a buffer of one byte: only its NUL");
	ok(strbuf__appendf(NULL, 0, 0, "x") == 0, "a buffer of no bytes: nothing, no write");
	return tap_done();
}

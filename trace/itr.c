// SPDX-License-Identifier: MIT
/*
 * The .itr codec: a streaming writer with one bounded buffer and a reader
 * that validates everything it is given. docs/TRACE.md is the byte layout.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "itr.h"

#define ITR_WBUF	(64 * 1024)	/* writer buffer: 1024 records */
#define ITR_RBUF	(128 * 1024)	/* reader buffer: big reads keep diff fast, */
#define ITR_PAGE	4096		/* page-aligned in memory and in the file, as cat's */
#define ITR_HDR_FIXED	46		/* magic .. nstr, see docs/TRACE.md */
#define ITR_HDR_NSTR	8	/* versions 5 and 6; versions 3 and 4 have the first 6, 1 and 2 the first 4 */
#define ITR_HDR_MAX	(ITR_HDR_FIXED + ITR_HDR_NSTR * (2 + ITR_STR_MAX))

_Static_assert(ITR_WBUF % ITR_RECORD_SIZE == 0, "writer buffer holds whole records");
_Static_assert(ITR_RBUF % ITR_RECORD_SIZE == 0, "reader buffer holds whole records");

/* struct itr_record is the file layout: on a little-endian host a record is one copy. */
#define ITR_AT(f, off) _Static_assert(offsetof(struct itr_record, f) == (off), #f " at " #off)
ITR_AT(type, 0); ITR_AT(source, 2); ITR_AT(vcpu, 3); ITR_AT(vector, 4); ITR_AT(cpl, 5);
ITR_AT(depth, 6); ITR_AT(stack, 7); ITR_AT(seq, 8); ITR_AT(time_ns, 16); ITR_AT(rip, 24);
ITR_AT(rsp, 32); ITR_AT(rflags, 40); ITR_AT(cs, 44); ITR_AT(ss, 46); ITR_AT(err, 48);
ITR_AT(a, 52); ITR_AT(b, 56);
_Static_assert(sizeof(struct itr_record) == ITR_RECORD_SIZE, "no padding");
#define ITR_LAYOUT_IS_FILE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

/* ---- little-endian field codec ------------------------------------------ */

static inline void put16(uint8_t *p, uint16_t v) { v = htole16(v); memcpy(p, &v, 2); }
static inline void put32(uint8_t *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static inline void put64(uint8_t *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }
static inline uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return le16toh(v); }
static inline uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static inline uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }

static void record_encode(uint8_t *p, const struct itr_record *r)
{
	if (ITR_LAYOUT_IS_FILE) {
		memcpy(p, r, ITR_RECORD_SIZE);
		return;
	}
	put16(p + 0, r->type);
	p[2] = r->source;
	p[3] = r->vcpu;
	p[4] = r->vector;
	p[5] = r->cpl;
	p[6] = r->depth;
	p[7] = r->stack;
	put64(p + 8, r->seq);
	put64(p + 16, r->time_ns);
	put64(p + 24, r->rip);
	put64(p + 32, r->rsp);
	put32(p + 40, r->rflags);
	put16(p + 44, r->cs);
	put16(p + 46, r->ss);
	put32(p + 48, r->err);
	put32(p + 52, r->a);
	put64(p + 56, r->b);
}

static void record_decode(const uint8_t *p, struct itr_record *r)
{
	if (ITR_LAYOUT_IS_FILE) {
		memcpy(r, p, ITR_RECORD_SIZE);
		return;
	}
	r->type = get16(p + 0);
	r->source = p[2];
	r->vcpu = p[3];
	r->vector = p[4];
	r->cpl = p[5];
	r->depth = p[6];
	r->stack = p[7];
	r->seq = get64(p + 8);
	r->time_ns = get64(p + 16);
	r->rip = get64(p + 24);
	r->rsp = get64(p + 32);
	r->rflags = get32(p + 40);
	r->cs = get16(p + 44);
	r->ss = get16(p + 46);
	r->err = get32(p + 48);
	r->a = get32(p + 52);
	r->b = get64(p + 56);
}

static const char *const type_names[] = {
	[ITR_ENTRY] = "ENTRY", [ITR_IRET] = "IRET", [ITR_EOI] = "EOI", [ITR_TPR] = "TPR",
	[ITR_SOFTIRQ] = "SOFTIRQ", [ITR_TASKLET] = "TASKLET", [ITR_SYNC] = "SYNC",
	[ITR_MARK] = "MARK", [ITR_ISR] = "ISR", [ITR_IF] = "IF", [ITR_RTE] = "RTE",
	[ITR_IPI] = "IPI", [ITR_READ] = "READ", [ITR_LDR] = "LDR",
	[ITR_INJECT] = "INJECT", [ITR_EXIT] = "EXIT",
	[ITR_IOAPIC] = "IOAPIC", [ITR_VMM_DELIVERY] = "VMM_DELIVERY", [ITR_KVM_TP] = "KVM_TP",
	[ITR_MILESTONE] = "MILESTONE", [ITR_LOST] = "LOST", [ITR_BAD_GUEST] = "BAD_GUEST",
	[ITR_DELIVER] = "DELIVER", [ITR_QUIET] = "QUIET", [ITR_IRR] = "IRR",
	[ITR_PROGRESS] = "PROGRESS", [ITR_UNPUBLISHED] = "UNPUBLISHED",
};

const char *itr_type__name(uint16_t type)
{
	if (type == ITR_END)
		return "END";
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	return NULL;
}

/* ---- writer -------------------------------------------------------------- */

struct itr_writer {
	int fd;
	int err;			/* first errno, reported by close */
	const char *err_what;		/* "write", "fsync", "close" */
	uint64_t seq;			/* records put so far */
	volatile size_t len;		/* bytes of whole records in buf */
	volatile size_t flushed;	/* bytes of buf already written (signal path) */
	volatile int done;		/* END written (emergency close) */
	volatile uint32_t end_status;	/* ITR_END: why the run ended */
	volatile uint8_t end_sig;
	bool durable;			/* close() fsyncs */
	char *path;
	uint8_t buf[ITR_WBUF];
};

/* write(2) until done; async-signal-safe, which is why it is not stdio. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void writer_fail(struct itr_writer *w, const char *what)
{
	if (!w->err) {
		w->err = errno ? errno : EIO;
		w->err_what = what;
	}
}

static int writer_flush(struct itr_writer *w)
{
	while (w->flushed < w->len) {
		ssize_t k = write(w->fd, w->buf + w->flushed, w->len - w->flushed);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			writer_fail(w, "write");
			return -1;
		}
		w->flushed += (size_t)k;
	}
	w->len = 0;
	w->flushed = 0;
	return 0;
}

static size_t put_str(uint8_t *p, const char *s, size_t cap, size_t *len)
{
	*len = strnlen(s, cap);
	put16(p, (uint16_t)*len);
	memcpy(p + 2, s, *len);
	return 2 + *len;
}

struct itr_writer *itr_writer__open(const char *path, const struct itr_header *h, char *err, size_t errlen)
{
	const struct { const char *name, *s; size_t cap; } strs[ITR_HDR_NSTR] = {
		{ "scenario", h->scenario, sizeof(h->scenario) },
		{ "irqchip", h->irqchip, sizeof(h->irqchip) },
		{ "host", h->host, sizeof(h->host) },
		{ "cmdline", h->cmdline, sizeof(h->cmdline) },
		{ "kernel", h->kernel, sizeof(h->kernel) },
		{ "config", h->config, sizeof(h->config) },
		{ "initrd", h->initrd, sizeof(h->initrd) },
		{ "initrd_sha256", h->initrd_sha256, sizeof(h->initrd_sha256) },
	};
	uint8_t hdr[ITR_HDR_MAX];
	struct itr_writer *w;
	struct stat st;
	size_t n = ITR_HDR_FIXED, len;

	memcpy(hdr, ITR_MAGIC, 8);
	put16(hdr + 8, ITR_VERSION);
	put16(hdr + 10, ITR_RECORD_SIZE);
	memcpy(hdr + 16, h->build_id, 20);
	put64(hdr + 36, h->start_unix_ns);
	put16(hdr + 44, ITR_HDR_NSTR);
	for (int i = 0; i < ITR_HDR_NSTR; i++) {
		n += put_str(hdr + n, strs[i].s, strs[i].cap, &len);
		if (len == strs[i].cap) {	/* the reader could not give it back NUL-terminated */
			snprintf(err, errlen, "%s: header %s is not NUL-terminated within %zu bytes", path,
				 strs[i].name, strs[i].cap);
			return NULL;
		}
	}
	put32(hdr + 12, (uint32_t)n);

	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		free(w);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	w->end_status = 0xffffffffu;	/* "not said", until set_end */
	/*
	 * A regular file already there is replaced, not truncated: ext4 writes a
	 * truncated and rewritten file's data back at its close (auto_da_alloc),
	 * 0.3 ms of a 10 ms run. A symlink or a device is opened as named.
	 */
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		(void)unlink(path);	/* if it can't go, O_TRUNC below still empties it */
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0 || write_all(w->fd, hdr, n) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (w->fd >= 0)
			close(w->fd);
		free(w->path);
		free(w);
		return NULL;
	}
	return w;
}

int itr_writer__put(struct itr_writer *w, struct itr_record *rec)
{
	if (w->err || w->done)
		return -1;
	rec->seq = w->seq;
	if (w->len == ITR_WBUF && writer_flush(w) < 0)
		return -1;
	record_encode(w->buf + w->len, rec);
	/* the signal path must never see a half-encoded record counted in len */
	atomic_signal_fence(memory_order_seq_cst);
	w->len += ITR_RECORD_SIZE;
	w->seq++;
	return 0;
}

static void end_record(const struct itr_writer *w, uint8_t *out)
{
	struct itr_record end = { .type = ITR_END, .source = ITR_SRC_VMM, .seq = w->seq,
				  .vector = w->end_sig, .err = w->end_status,
				  .a = (uint32_t)w->seq, .b = w->seq };

	record_encode(out, &end);
}

int itr_writer__close(struct itr_writer *w, char *err, size_t errlen)
{
	uint8_t end[ITR_RECORD_SIZE];
	int ret = 0;

	if (!w)
		return 0;
	if (!w->done && !w->err && writer_flush(w) == 0) {
		end_record(w, end);
		if (write_all(w->fd, end, sizeof(end)) < 0)
			writer_fail(w, "write");
		else if (w->durable && fsync(w->fd) < 0)
			writer_fail(w, "fsync");
	}
	if (w->fd >= 0 && close(w->fd) < 0)
		writer_fail(w, "close");
	if (w->err) {
		snprintf(err, errlen, "%s: %s: %s", w->path, w->err_what, strerror(w->err));
		ret = -1;
	}
	free(w->path);
	free(w);
	return ret;
}

void itr_writer__set_durable(struct itr_writer *w, bool on)
{
	if (w)
		w->durable = on;
}

void itr_writer__set_end(struct itr_writer *w, uint32_t status, uint8_t sig)
{
	if (!w)
		return;
	w->end_status = status;
	w->end_sig = sig;
}

void itr_writer__emergency_close(struct itr_writer *w)
{
	uint8_t end[ITR_RECORD_SIZE];	/* not w->buf: put() may be mid-encode there */
	int saved = errno;

	if (!w || w->done || w->fd < 0)
		return;
	w->done = 1;
	if (write_all(w->fd, w->buf + w->flushed, w->len - w->flushed) == 0) {
		end_record(w, end);
		if (write_all(w->fd, end, sizeof(end)) == 0)
			fsync(w->fd);
	}
	w->len = w->flushed = 0;
	errno = saved;
}

/* ---- reader -------------------------------------------------------------- */

struct itr_reader {
	int fd;
	bool ended;		/* ITR_END returned */
	bool eof;
	uint16_t version;
	uint64_t known;		/* type_known() of types 0..63 of this version, 1 << type */
	uint64_t nrec;		/* records returned, END included */
	uint64_t trailing;
	uint64_t buf_off;	/* file offset of buf[0] */
	size_t pos, len;	/* unread bytes: buf[pos .. len) */
	char *path;
	_Alignas(ITR_PAGE) uint8_t buf[ITR_RBUF + ITR_PAGE];	/* + room to align the reads */
};

static int rerr(char *err, size_t errlen, const char *path, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int rerr(char *err, size_t errlen, const char *path, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s: offset 0x%llx: ", path, (unsigned long long)off);

	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Read until buf holds @want bytes from pos, or EOF; -1 on an I/O error. */
static int fill(struct itr_reader *r, size_t want)
{
	if (r->pos) {	/* the unread tail placed so that the next read is page-aligned, both sides */
		size_t tail = r->len - r->pos, at = (size_t)((r->buf_off + r->len) % ITR_PAGE);
		size_t start = (at >= tail ? at : at + ITR_PAGE) - tail;

		if (start != r->pos)
			memmove(r->buf + start, r->buf + r->pos, tail);
		r->buf_off += r->pos - start;
		r->len = start + tail;
		r->pos = start;
	}
	while (r->len - r->pos < want && !r->eof) {
		ssize_t k = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0)
			r->eof = true;
		r->len += (size_t)k;
	}
	return 0;
}

static int header_parse(struct itr_reader *r, struct itr_header *h, char *err, size_t errlen)
{
	const char *p = r->path;
	struct { const char *name; char *dst; size_t cap; } strs[ITR_HDR_NSTR] = {
		{ "scenario", h->scenario, sizeof(h->scenario) },
		{ "irqchip", h->irqchip, sizeof(h->irqchip) },
		{ "host", h->host, sizeof(h->host) },
		{ "cmdline", h->cmdline, sizeof(h->cmdline) },
		{ "kernel", h->kernel, sizeof(h->kernel) },
		{ "config", h->config, sizeof(h->config) },
		{ "initrd", h->initrd, sizeof(h->initrd) },
		{ "initrd_sha256", h->initrd_sha256, sizeof(h->initrd_sha256) },
	};
	const uint8_t *b = r->buf;
	uint32_t hlen;
	size_t off;
	int nstr;

	if (fill(r, ITR_HDR_MAX) < 0)
		return rerr(err, errlen, p, 0, "read: %s", strerror(errno));
	if (r->len < 8 || memcmp(b, ITR_MAGIC, 8))
		return rerr(err, errlen, p, 0, r->len < 8 ? "truncated: %zu bytes, no trace header" :
			    "not a trace file (magic is not \"IVMTRACE\")", r->len);
	if (r->len < ITR_HDR_FIXED)
		return rerr(err, errlen, p, r->len, "truncated header: %zu of at least %d bytes",
			    r->len, ITR_HDR_FIXED);
	h->version = r->version = get16(b + 8);
	if (h->version < ITR_VERSION_MIN || h->version > ITR_VERSION)
		return rerr(err, errlen, p, 8, "version %u, this reader knows %d to %d", h->version,
			    ITR_VERSION_MIN, ITR_VERSION);
	if (get16(b + 10) != ITR_RECORD_SIZE)
		return rerr(err, errlen, p, 10, "record size %u, version %d has %d", get16(b + 10),
			    ITR_VERSION, ITR_RECORD_SIZE);
	nstr = h->version >= 5 ? ITR_HDR_NSTR : h->version >= 3 ? 6 : 4;
	h->kernel[0] = h->config[0] = h->initrd[0] = h->initrd_sha256[0] = 0;
	hlen = get32(b + 12);
	if (hlen < ITR_HDR_FIXED + nstr * 2u || hlen > ITR_HDR_MAX)
		return rerr(err, errlen, p, 12, "header length %u out of bounds [%d, %d]", hlen,
			    ITR_HDR_FIXED + nstr * 2, ITR_HDR_MAX);
	memcpy(h->build_id, b + 16, 20);
	h->start_unix_ns = get64(b + 36);
	if (get16(b + 44) != nstr)
		return rerr(err, errlen, p, 44, "%u header strings, version %u has %d", get16(b + 44),
			    h->version, nstr);
	off = ITR_HDR_FIXED;
	for (int i = 0; i < nstr; i++) {
		uint16_t n;

		if (off + 2 > hlen)
			return rerr(err, errlen, p, off, "header %s: length field beyond header length %u",
				    strs[i].name, hlen);
		if (off + 2 > r->len)
			return rerr(err, errlen, p, r->len, "truncated header: %zu of %u bytes", r->len, hlen);
		n = get16(b + off);
		if (n >= strs[i].cap)
			return rerr(err, errlen, p, off, "header %s: length %u, at most %zu", strs[i].name,
				    n, strs[i].cap - 1);
		if (off + 2 + n > hlen)
			return rerr(err, errlen, p, off, "header %s: %u bytes run past header length %u",
				    strs[i].name, n, hlen);
		if (off + 2 + n > r->len)
			return rerr(err, errlen, p, r->len, "truncated header: %zu of %u bytes", r->len, hlen);
		if (memchr(b + off + 2, 0, n))
			return rerr(err, errlen, p, off + 2 + ((const uint8_t *)memchr(b + off + 2, 0, n) -
							       (b + off + 2)),
				    "header %s: NUL byte inside the string", strs[i].name);
		memcpy(strs[i].dst, b + off + 2, n);
		strs[i].dst[n] = 0;
		off += 2 + n;
	}
	if (off != hlen)
		return rerr(err, errlen, p, 12, "header length %u, but its strings end at %zu", hlen, off);
	r->pos = hlen;
	return 0;
}

static bool type_known(uint16_t t, uint16_t version);

struct itr_reader *itr_reader__open(const char *path, struct itr_header *h, char *err, size_t errlen)
{
	size_t size = (sizeof(struct itr_reader) + ITR_PAGE - 1) / ITR_PAGE * ITR_PAGE;
	struct itr_reader *r = aligned_alloc(ITR_PAGE, size);

	if (r)	/* not buf: the pages a short trace never reads stay untouched */
		memset(r, 0, offsetof(struct itr_reader, buf));
	memset(h, 0, sizeof(*h));
	if (!r || !(r->path = strdup(path))) {
		free(r);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(r->path);
		free(r);
		return NULL;
	}
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (header_parse(r, h, err, errlen) < 0) {
		itr_reader__close(r);
		return NULL;
	}
	for (uint16_t t = 0; t < 64; t++)
		if (type_known(t, r->version))
			r->known |= 1ull << t;
	return r;
}

static bool type_known(uint16_t t, uint16_t version)
{
	uint16_t host_last = version >= 10 ? ITR_UNPUBLISHED : version >= 9 ? ITR_PROGRESS :
			     version >= 8 ? ITR_IRR : version >= 6 ? ITR_QUIET :
			     version >= 3 ? ITR_DELIVER : version >= 2 ? ITR_BAD_GUEST : ITR_LOST;
	uint16_t guest_last = version >= 11 ? ITR_LDR : version >= 7 ? ITR_READ :
			      version >= 4 ? ITR_IPI : ITR_RTE;

	return (t >= ITR_ENTRY && t <= guest_last) || (t >= ITR_INJECT && t <= host_last) || t == ITR_END;
}

int itr_reader__next(struct itr_reader *r, struct itr_record *rec, char *err, size_t errlen)
{
	uint64_t off;

	if (r->len - r->pos < ITR_RECORD_SIZE) {
		if (fill(r, ITR_RECORD_SIZE) < 0)
			return rerr(err, errlen, r->path, r->buf_off + r->len, "read: %s", strerror(errno));
		if (r->len - r->pos < ITR_RECORD_SIZE) {
			if (r->ended && r->len - r->pos)
				return rerr(err, errlen, r->path, r->buf_off + r->pos, "%zu bytes after ITR_END",
					    r->len - r->pos);
			r->trailing = r->len - r->pos;
			return 0;
		}
	}
	off = r->buf_off + r->pos;
	if (r->ended)
		return rerr(err, errlen, r->path, off, "record after ITR_END");
	record_decode(r->buf + r->pos, rec);
	if (!type_known(rec->type, r->version))
		return rerr(err, errlen, r->path, off, "record %llu: unknown type %#x",
			    (unsigned long long)r->nrec, rec->type);
	if (rec->seq != r->nrec)
		return rerr(err, errlen, r->path, off, "record %llu: seq %llu out of order",
			    (unsigned long long)r->nrec, (unsigned long long)rec->seq);
	if (rec->type == ITR_END) {
		if (rec->a != (uint32_t)r->nrec || rec->b != r->nrec)
			return rerr(err, errlen, r->path, off + 52, "ITR_END counts %u records, %llu precede it",
				    rec->a, (unsigned long long)r->nrec);
		r->ended = true;
	}
	r->pos += ITR_RECORD_SIZE;
	r->nrec++;
	return 1;
}

long itr_reader__next_raw(struct itr_reader *r, const uint8_t **p, size_t max, char *err, size_t errlen)
{
	const uint8_t *b;
	size_t n, avail;
	uint64_t seq = r->nrec;

	if (r->len - r->pos < ITR_RECORD_SIZE && fill(r, ITR_RBUF) < 0)
		return rerr(err, errlen, r->path, r->buf_off + r->len, "read: %s", strerror(errno));
	avail = (r->len - r->pos) / ITR_RECORD_SIZE;
	if (!avail || r->ended || !max)	/* end of stream and every error: next() says which */
		return max ? itr_reader__next(r, &(struct itr_record){ 0 }, err, errlen) : 0;
	b = r->buf + r->pos;
	if (max > avail)
		max = avail;
	for (n = 0; n < max; n++, seq++) {	/* what next() checks, without decoding */
		const uint8_t *q = b + n * ITR_RECORD_SIZE;
		uint16_t t = get16(q);

		if (get64(q + 8) != seq || (t < 64 ? !(r->known >> t & 1) : t != ITR_END))
			break;
		if (t == ITR_END) {
			if (get32(q + 52) != (uint32_t)seq || get64(q + 56) != seq)
				break;
			r->ended = true;
			n++;
			break;
		}
	}
	if (!n)		/* the first record is bad: next() reports it */
		return itr_reader__next(r, &(struct itr_record){ 0 }, err, errlen);
	*p = b;
	r->pos += n * ITR_RECORD_SIZE;
	r->nrec += n;
	return (long)n;
}

bool itr_reader__complete(const struct itr_reader *r)
{
	return r->ended;
}

uint64_t itr_reader__trailing_bytes(const struct itr_reader *r)
{
	return r->trailing;
}

void itr_reader__close(struct itr_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r);
}

const char *itr_kvm_tp__name(uint32_t id)
{
	static const char *const names[ITR_TP_NR] = {
		[ITR_TP_INJ_VIRQ] = "kvm_inj_virq", [ITR_TP_INJ_EXCEPTION] = "kvm_inj_exception",
		[ITR_TP_APIC_ACCEPT_IRQ] = "kvm_apic_accept_irq", [ITR_TP_EOI] = "kvm_eoi",
		[ITR_TP_MSI_SET_IRQ] = "kvm_msi_set_irq", [ITR_TP_IOAPIC_SET_IRQ] = "kvm_ioapic_set_irq",
		[ITR_TP_EMULATE_FAILED] = "kvm_emulate_insn",
	};

	return id < ITR_TP_NR && names[id] ? names[id] : "kvm_tracepoint";
}

const char *itr_kvm_emul_mode__name(uint8_t flags)
{
	/* the kernel's KVM_EMUL_INSN_F_* combinations, as kvm_emulate_insn prints them */
	switch (flags) {
	case 0: return "real";
	case 3: return "vm16";
	case 1: return "prot16";
	case 5: return "prot32";
	case 9: return "prot64";
	}
	return NULL;
}

/*
 * The first (up to ITR_TP_INSN_KEPT) instruction bytes of an ITR_TP_EMULATE_FAILED
 * record as the kernel's __print_hex writes them ("48 cf"); "..." and the length
 * when the instruction was longer than what the record keeps.
 */
int itr_kvm_tp__insn(const struct itr_record *r, char *buf, size_t n)
{
	unsigned len = r->vector, kept = len < ITR_TP_INSN_KEPT ? len : ITR_TP_INSN_KEPT;
	size_t k = 0;

	if (n)
		buf[0] = 0;
	for (unsigned i = 0; i < kept && k < n; i++)
		k += snprintf(buf + k, n - k, "%s%02x", i ? " " : "", ITR_TP_INSN_BYTE(r->b, i));
	if (len > kept && k < n)
		k += snprintf(buf + k, n - k, "... len=%u", len);
	return (int)k;
}

// SPDX-License-Identifier: MIT
/*
 * The libvirt target: the same QEMU TCG (-M microvm) as qemu-tcg, but as a
 * transient domain that libvirtd (qemu:///system) starts from XML this file
 * writes (libvirt_xml.c). The kernel is copied where the libvirt-qemu user
 * can read it (a private folder under /var/lib/libvirt/images/), the debug
 * console goes to a file there, and after each run the console is copied to
 * --out and everything made for the run is removed. Each run's XML stays in
 * --out: the reproducer is `virsh create` on it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "target_priv.h"

#define LV_URI		"qemu:///system"
#define LV_IMAGES	"/var/lib/libvirt/images"
#define LV_QEMU_LOGS	"/var/log/libvirt/qemu"

/* one target run's state: the case loop's callback has no opaque pointer */
static struct {
	virConnectPtr conn;
	char dir[CONF_PATH_MAX];	/* LV_IMAGES/vmm-conformance-PID-N */
	char kernel[CONF_PATH_MAX];	/* dir/guest.elf */
} lv;
static unsigned lv_counter;

/*
 * libvirt's C API, loaded when this target runs: linked into vmm, libvirt's
 * 55 libraries (glib, gnutls, ICU, Kerberos, curl ...) cost every command
 * about 12 ms to start (P1), where a whole floor run takes 2 ms more.
 */
static struct {
	void *lib;
	__typeof__(virConnectOpen) *connect_open;
	__typeof__(virConnectClose) *connect_close;
	__typeof__(virDomainCreateXML) *domain_create_xml;
	__typeof__(virDomainDestroy) *domain_destroy;
	__typeof__(virDomainFree) *domain_free;
	__typeof__(virDomainIsActive) *domain_is_active;
	__typeof__(virDomainResume) *domain_resume;
	__typeof__(virGetLastErrorMessage) *last_error_message;
	__typeof__(virSetErrorFunc) *set_error_func;
} api;

static bool lv_load(char *why, size_t n)
{
	const struct { const char *name; void **slot; } syms[] = {
		{ "virConnectOpen", (void **)&api.connect_open },
		{ "virConnectClose", (void **)&api.connect_close },
		{ "virDomainCreateXML", (void **)&api.domain_create_xml },
		{ "virDomainDestroy", (void **)&api.domain_destroy },
		{ "virDomainFree", (void **)&api.domain_free },
		{ "virDomainIsActive", (void **)&api.domain_is_active },
		{ "virDomainResume", (void **)&api.domain_resume },
		{ "virGetLastErrorMessage", (void **)&api.last_error_message },
		{ "virSetErrorFunc", (void **)&api.set_error_func },
	};
	void *lib;

	if (api.lib)
		return true;
	lib = dlopen("libvirt.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		tfmt(why, n, "libvirt can't be loaded (Debian: libvirt0): %s", dlerror());
		return false;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if (!(*syms[i].slot = dlsym(lib, syms[i].name))) {
			tfmt(why, n, "libvirt.so.0 has no %s", syms[i].name);
			dlclose(lib);
			return false;
		}
	}
	api.lib = lib;
	return true;
}

static void quiet(void *opaque, virErrorPtr err)
{
}

/* libvirt's last error as one line */
static void last_error(char *out, size_t n)
{
	const char *msg = api.last_error_message();

	tfmt(out, n, "%s", msg ? msg : "unknown libvirt error");
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

static virConnectPtr lv_open(char *why, size_t n)
{
	virConnectPtr c;
	char msg[CONF_TEXT_MAX];

	if (!lv_load(why, n))
		return NULL;
	api.set_error_func(NULL, quiet);
	c = api.connect_open(LV_URI);
	if (c)
		return c;
	last_error(msg, sizeof(msg));
	if (strstr(msg, "No such file or directory") || strstr(msg, "Connection refused"))
		tfmt(why, n, "libvirtd is not running: start it with libvirtd -d (%s)", msg);
	else if (strstr(msg, "Permission denied") || strstr(msg, "authentication"))
		tfmt(why, n, "%s needs root (%s)", LV_URI, msg);
	else
		tfmt(why, n, "%s: %s", LV_URI, msg);
	return NULL;
}

bool target_libvirt__connects(char *why, size_t n)
{
	virConnectPtr c = lv_open(why, n);

	if (!c)
		return false;
	api.connect_close(c);
	return true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* copy @from to @to (created with @mode); -1 with @err */
static int copy_file(const char *from, const char *to, mode_t mode, char *err, size_t errlen)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t r = 0;

	if (in < 0) {
		tfmt(err, errlen, "%s: %s", from, strerror(errno));
		return -1;
	}
	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		tfmt(err, errlen, "%s: %s", to, strerror(errno));
		close(in);
		return -1;
	}
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)r) != r) {
			r = -1;
			break;
		}
	if (r < 0)
		tfmt(err, errlen, "copying %s to %s: %s", from, to, strerror(errno));
	close(in);
	if (close(out) < 0 && r >= 0) {
		tfmt(err, errlen, "%s: %s", to, strerror(errno));
		r = -1;
	}
	if (r < 0)
		unlink(to);
	return r < 0 ? -1 : 0;
}

/* an empty file QEMU (the libvirt-qemu user) may write: the debug console */
static int make_console(const char *path, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam("libvirt-qemu");
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		tfmt(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!pw || fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
		(void)fchmod(fd, 0666);
	close(fd);
	return 0;
}

/*
 * Why QEMU's log tail: when QEMU dies at start, libvirt's own error may not
 * say why, and the log is removed with the domain.
 */
void target_libvirt__log_tail(const char *qlog, char *out, size_t n)
{
	char line[512];
	FILE *f = fopen(qlog, "r");

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] && !strstr(line, ": shutting down, reason="))	/* libvirt's, after QEMU's */
			tfmt(out, n, "%s", line);
	}
	fclose(f);
}

/* @s with every % doubled, for a printf format */
static void pct(const char *s, char *out, size_t n)
{
	size_t j = 0;

	for (; *s && j + 2 < n; s++) {
		out[j++] = *s;
		if (*s == '%')
			out[j++] = '%';
	}
	out[j] = 0;
}

/*
 * Boot the guest with @cmdline as a transient domain, its XML kept in @xml,
 * the console copied to @log; wait until the domain is gone or @limit
 * seconds passed (then destroy it: res->timed_out). -1 with @note when it
 * could not be started.
 */
static int lv_boot(const struct target_env *env, const char *cmdline, const char *log,
		   const char *xml, double limit, struct spawn_result *res, char *note, size_t notelen)
{
	char name[64], console[CONF_PATH_MAX], qlog[CONF_PATH_MAX], text[8192], err[CONF_TEXT_MAX];
	struct lv_domain d;
	virDomainPtr dom;
	FILE *f;
	double t0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (spawn__interrupted()) {	/* a ^C: no domain starts, as no program does */
		tfmt(note, notelen, "%s", spawn__interrupt_note());
		return -1;
	}
	tfmt(name, sizeof(name), "vmm-conformance-%d-%u", (int)getpid(), ++lv_counter);
	if (!tfmt(console, sizeof(console), "%s/%s.console", lv.dir, name)) {
		tfmt(note, notelen, "%s: path too long", lv.dir);
		return -1;
	}
	tfmt(qlog, sizeof(qlog), "%s/%s.log", LV_QEMU_LOGS, name);
	d = (struct lv_domain){ .name = name, .kernel = lv.kernel, .cmdline = cmdline,
				.console = console };
	if (!target_libvirt__xml(text, sizeof(text), &d)) {
		tfmt(note, notelen, "the domain XML does not fit in %zu bytes", sizeof(text));
		return -1;
	}
	f = fopen(xml, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		tfmt(note, notelen, "%s: %s", xml, strerror(errno));
		return -1;
	}
	if (make_console(console, note, notelen))
		return -1;
	unlink(log);
	/*
	 * Paused, then resumed: a guest that ends at once (isa-debug-exit) may take QEMU
	 * away before libvirtd's start-up talk on its monitor is over, and the create
	 * then fails though the guest ran. A resume that fails with the domain gone is
	 * a guest that ran to an end: its console tells which.
	 */
	dom = api.domain_create_xml(lv.conn, text, VIR_DOMAIN_START_PAUSED);
	if (dom && api.domain_resume(dom) < 0 && api.domain_is_active(dom) == 1) {
		last_error(err, sizeof(err));
		api.domain_destroy(dom);
		api.domain_free(dom);
		tfmt(note, notelen, "virDomainResume: %s", err);
		goto out;
	}
	/* the limit runs from here: libvirtd may take long to start QEMU (see the README) */
	t0 = now_s();
	if (!dom) {
		char tail[512];

		last_error(err, sizeof(err));
		target_libvirt__log_tail(qlog, tail, sizeof(tail));
		if (strstr(err, "virtlogd"))
			tfmt(note, notelen, "virtlogd is not running: start it with virtlogd -d (%s)", err);
		else
			tfmt(note, notelen, "virDomainCreateXML: %s%s%s", err, tail[0] ? "; QEMU's log: " : "",
			     tail);
		goto out;
	}
	/* a transient domain is gone once QEMU exits (isa-debug-exit, a triple fault) */
	while (api.domain_is_active(dom) == 1) {
		if (spawn__interrupted()) {	/* the domain in flight goes, as a spawned run's group does */
			api.domain_destroy(dom);
			api.domain_free(dom);
			tfmt(note, notelen, "%s", spawn__interrupt_note());
			goto out;
		}
		if (now_s() - t0 > limit) {
			api.domain_destroy(dom);
			res->timed_out = true;
			res->status = 128 + 9;
			break;
		}
		usleep(20000);
	}
	api.domain_free(dom);
	res->wall_s = now_s() - t0;
	if (copy_file(console, log, 0644, note, notelen))
		goto out;
	rc = 0;
out:
	unlink(console);
	unlink(qlog);
	return rc;
}

static int run_cases(const struct target *t, const struct target_env *env, const char *only,
		     const char *log, const char *trace, struct spawn_result *res,
		     char *note, size_t notelen)
{
	char cmdline[2200], xml[CONF_PATH_MAX];
	size_t len = strlen(log);

	tfmt(cmdline, sizeof(cmdline), "test=conformance%s%s", only ? " only=" : "", only ? only : "");
	if (len > 4 && !strcmp(log + len - 4, ".log"))
		len -= 4;
	tfmt(xml, sizeof(xml), "%.*s.xml", (int)len, log);
	return lv_boot(env, cmdline, log, xml, env->timeout_s + 20, res, note, notelen);
}

/* "install ... && install ... && virsh create XML": the files the XML names, then the domain */
static void repro_boot(char *out, size_t n, const struct target_env *env, const char *console,
		       const char *xml)
{
	tfmt(out, n, "install -Dm644 %s %s && install -o libvirt-qemu -m600 /dev/null %s && "
	     "virsh create %s", env->kernel, lv.kernel, console, xml);
}

static void run_scenario(const struct target *t, const struct target_env *env, struct conf_matrix *m,
			 unsigned col, unsigned c)
{
	const struct conf_check *ck = &m->cat->checks[c];
	struct conf_cell *cell = conf__cell(m, c, col);
	char cmdline[CONF_NAME_MAX + 16], log[CONF_PATH_MAX];
	char xml[CONF_PATH_MAX], console[CONF_PATH_MAX], boot[CONF_PATH_MAX];
	char cname[CONF_NAME_MAX], err[CONF_TEXT_MAX];
	int rc;
	struct spawn_result res;

	if (target__scenario_unsupported(ck, cell))
		return;
	target__file_name(ck->name, cname, sizeof(cname));
	tfmt(log, sizeof(log), "%s/%s.libvirt.log", env->out, cname);
	tfmt(xml, sizeof(xml), "%s/%s.libvirt.xml", env->out, cname);
	tfmt(cmdline, sizeof(cmdline), "scenario=%s", ck->case_name);
	/* the console of the run lv_boot makes next: the counter's next value */
	tfmt(console, sizeof(console), "%s/vmm-conformance-%d-%u.console", lv.dir, (int)getpid(),
	     lv_counter + 1);
	repro_boot(boot, sizeof(boot), env, console, xml);
	tfmt(cell->repro, sizeof(cell->repro), "%s && while virsh domstate vmm-conformance-%d-%u "
	     ">/dev/null 2>&1; do sleep 1; done; %s judge --scenario=%s %s", boot, (int)getpid(),
	     lv_counter + 1, env->self, ck->path, console);
	rc = lv_boot(env, cmdline, log, xml, env->timeout_s + 20, &res, err, sizeof(err));
	if (target__ran(t, env, ck, rc, err, &res, "the domain", env->timeout_s + 20, log, cell))
		target__judge_console(env, ck, log, cell);
}

/* the instruction sweep, once for every family: test=sweep, the console read */
static void run_sweep(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		      unsigned col)
{
	char log[CONF_PATH_MAX], xml[CONF_PATH_MAX], console[CONF_PATH_MAX], boot[CONF_PATH_MAX];
	char esc_boot[CONF_PATH_MAX * 2], esc_console[CONF_PATH_MAX * 2], repro[CONF_PATH_MAX * 2];
	char note[CONF_TEXT_MAX], err[CONF_TEXT_MAX];
	struct spawn_result res;

	tfmt(log, sizeof(log), "%s/sweep.libvirt.log", env->out);
	tfmt(xml, sizeof(xml), "%s/sweep.libvirt.xml", env->out);
	tfmt(console, sizeof(console), "%s/vmm-conformance-%d-%u.console", lv.dir, (int)getpid(),
	     lv_counter + 1);
	repro_boot(boot, sizeof(boot), env, console, xml);
	pct(boot, esc_boot, sizeof(esc_boot));
	pct(console, esc_console, sizeof(esc_console));
	tfmt(repro, sizeof(repro), "%s && while virsh domstate vmm-conformance-%d-%u >/dev/null "
	     "2>&1; do sleep 1; done; grep -E '^insn (%%%%s\\.|done)' %s", esc_boot, (int)getpid(),
	     lv_counter + 1, esc_console);
	if (lv_boot(env, "test=sweep", log, xml, env->timeout_s + 20, &res, err, sizeof(err))) {
		target__fill(m, col, CONF_SWEEP, CONF_ERROR, err);
		return;
	}
	if (env->progress)
		env->progress(env->opaque, t->name, "instruction sweep");
	tfmt(note, sizeof(note), "%s", res.timed_out ? "the domain did not end in time" :
	     "the sweep ended early");
	target__read_sweep(log, m, col, repro, res.timed_out ? CONF_HANG : CONF_ERROR, note);
}

/* every cell of column @col not yet judged: UNSUPPORTED with @why */
static void unsupported(struct conf_matrix *m, unsigned col, const char *why)
{
	target__fill(m, col, CONF_EXC, CONF_UNSUPPORTED, why);
	target__fill(m, col, CONF_SCENARIO, CONF_UNSUPPORTED, why);
	target__fill(m, col, CONF_EMULATION, CONF_UNSUPPORTED, why);
	target__fill(m, col, CONF_SWEEP, CONF_UNSUPPORTED, why);
	target__fill(m, col, CONF_HOST, CONF_UNSUPPORTED, why);
}

void target_libvirt__run(const struct target *t, const struct target_env *env, struct conf_matrix *m,
			 unsigned col)
{
	char why[CONF_TEXT_MAX], tmpl[CONF_PATH_MAX], console[CONF_PATH_MAX], boot[CONF_PATH_MAX];
	char rxml[CONF_PATH_MAX], repro[CONF_PATH_MAX * 2], esc_boot[CONF_PATH_MAX * 2];
	char esc_tmpl[CONF_PATH_MAX * 2], esc_rxml[CONF_PATH_MAX * 2];
	struct lv_domain d;
	char text[8192];
	FILE *f;

	memset(&lv, 0, sizeof(lv));
	lv.conn = lv_open(why, sizeof(why));
	if (!lv.conn) {
		unsupported(m, col, why);
		return;
	}
	tfmt(lv.dir, sizeof(lv.dir), LV_IMAGES "/vmm-conformance-%d-%u", (int)getpid(), ++lv_counter);
	tfmt(lv.kernel, sizeof(lv.kernel), "%s/guest.elf", lv.dir);
	if (mkdir(lv.dir, 0711) < 0) {
		tfmt(why, sizeof(why), "%s: %s", lv.dir, strerror(errno));
		unsupported(m, col, why);
		goto close;
	}
	if (copy_file(env->kernel, lv.kernel, 0644, why, sizeof(why))) {
		unsupported(m, col, why);
		goto rmdir;
	}

	/* the cases' reproducer: a template with only=CASE, one case put in by sed */
	tfmt(tmpl, sizeof(tmpl), "%s/cases.libvirt.xml", env->out);
	tfmt(console, sizeof(console), "%s/repro.console", lv.dir);
	d = (struct lv_domain){ .name = "vmm-conformance-repro", .kernel = lv.kernel,
				.cmdline = "test=conformance only=CASE", .console = console };
	f = fopen(tmpl, "w");
	if (f) {
		if (target_libvirt__xml(text, sizeof(text), &d))
			fputs(text, f);
		fclose(f);
	}
	tfmt(rxml, sizeof(rxml), "%s/repro.libvirt.xml", env->out);
	repro_boot(boot, sizeof(boot), env, console, rxml);
	pct(boot, esc_boot, sizeof(esc_boot));
	pct(tmpl, esc_tmpl, sizeof(esc_tmpl));
	pct(rxml, esc_rxml, sizeof(esc_rxml));
	tfmt(repro, sizeof(repro), "sed 's/=CASE</=%%s</' %s >%s && %s", esc_tmpl, esc_rxml, esc_boot);
	target__run_cases(t, env, m, col, run_cases, repro);
	target__run_tcg_rest(t, env, m, col, run_sweep, run_scenario);
	unlink(lv.kernel);
rmdir:
	rmdir(lv.dir);
close:
	api.connect_close(lv.conn);
	lv.conn = NULL;
}

/* Symbolization: this process and an exited child through /proc, a deleted
 * mapped file, /proc/kallsyms, and damaged ELF files that must not crash. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "lib/sym/ksyms.h"
#include "lib/sym/elfsyms.h"
#include "lib/sym/perfmap.h"
#include "lib/sym/usyms.h"


static char tmpdir[] = "/tmp/test_syms.XXXXXX";
static volatile int sink;

/* Global and not inlined so it has a symbol of its own; long enough that
 * 5 bytes in is still inside it. */
int sym_target(int x);

__attribute__((noinline)) int sym_target(int x)
{
	for (int i = 0; i < x; i++)
		sink += i * x;
	return sink;
}

static const char *str(const char *s)
{
	return s ? s : "(null)";
}

static char *self_copy(size_t *len)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	ssize_t r;

	*len = 0;
	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((r = read(fd, buf + *len, cap - *len)) > 0) {
		*len += (size_t)r;
		if (*len == cap) {
			char *n = realloc(buf, cap * 2);

			if (!n)
				break;
			buf = n;
			cap *= 2;
		}
	}
	close(fd);
	return buf;
}

static int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_self(uint64_t *target_file_off)
{
	struct usyms *u = usyms_new();
	uint64_t addr = (uint64_t)(uintptr_t)&sym_target, named, jit, module_only, unknown;
	uint32_t pid = (uint32_t)getpid();
	int local = 0;
	struct usym s;
	char exe[4096];
	ssize_t n;

	CHECK(u, "usyms_new");
	if (!u)
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	CHECK(!usyms_has(u, pid, 1), "has before capture");
	CHECK(usyms_resolve(u, pid, 1, addr, &s) == -ENOENT && !s.name && !s.module, "uncaptured pid");
	CHECK(usyms_capture(u, pid, 1) == 0, "capture self");
	CHECK(usyms_has(u, pid, 1), "has after capture");

	CHECK(usyms_resolve(u, pid, 1, addr, &s) == 0, "resolve");
	CHECK(s.name && !strcmp(s.name, "sym_target") && s.offset == 0, "sym_target: %s+%" PRIu64,
	      str(s.name), s.offset);
	CHECK(s.module && !strcmp(s.module, usyms_module_basename(exe)), "module %s", str(s.module));
	*target_file_off = s.module_offset;
	CHECK(usyms_resolve(u, pid, 1, addr + 5, &s) == 0 && s.name && !strcmp(s.name, "sym_target") &&
	      s.offset == 5, "sym_target+5: %s+%" PRIu64, str(s.name), s.offset);
	CHECK(s.module_offset == *target_file_off + 5, "module offset +5");

	CHECK(usyms_resolve(u, pid, 1, (uint64_t)(uintptr_t)&fprintf, &s) == 0 && s.name &&
	      strstr(s.name, "printf") && s.offset == 0, "fprintf: %s", str(s.name));
	CHECK(s.module && strcmp(s.module, usyms_module_basename(exe)), "libc module %s", str(s.module));

	CHECK(usyms_resolve(u, pid, 1, 0x10, &s) == 0 && !s.module && !s.name, "unmapped");
	/* The stack is not code: only executable mappings are kept. */
	CHECK(usyms_resolve(u, pid, 1, (uint64_t)(uintptr_t)&local, &s) == 0 && !s.module && !s.name,
	      "stack: %s", str(s.module));
	if (getauxval(AT_SYSINFO_EHDR))
		CHECK(usyms_resolve(u, pid, 1, getauxval(AT_SYSINFO_EHDR), &s) == 0 && s.module &&
		      !strcmp(s.module, "[vdso]"), "vdso: %s", str(s.module));

	/* Again for the same pid replaces, and still resolves. */
	CHECK(usyms_capture(u, pid, 1) == 0, "recapture");
	CHECK(usyms_resolve(u, pid, 1, addr, &s) == 0 && s.name && !strcmp(s.name, "sym_target"),
	      "after recapture: %s", str(s.name));

	usyms_stats(u, &named, &jit, &module_only, &unknown);
	CHECK(named >= 4 && module_only >= 1 && unknown == 3, "stats %" PRIu64 "/%" PRIu64 "/%" PRIu64,
	      named, module_only, unknown);
	usyms_free(u);
}

/* Captured while alive, symbolized after it is gone. */
static void test_exited_child(void)
{
	struct usyms *u = usyms_new();
	uint64_t addr = (uint64_t)(uintptr_t)&sym_target;
	struct usym s;
	pid_t child;

	if (!u)
		return;
	child = fork();
	if (child < 0) {
		CHECK(0, "fork: %s", strerror(errno));
		usyms_free(u);
		return;
	}
	if (!child) {
		pause();
		_exit(0);
	}
	CHECK(usyms_capture(u, (uint32_t)child, 1) == 0, "capture child");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	CHECK(usyms_capture(u, (uint32_t)child, 1) == -ENOENT, "capture reaped child");
	CHECK(usyms_resolve(u, (uint32_t)child, 1, addr, &s) == 0 && s.name &&
	      !strcmp(s.name, "sym_target") && s.offset == 0, "child after exit: %s", str(s.name));
	usyms_free(u);
}

/* Capturing again after exec replaces the old address space. */
static void test_exec(void)
{
	uint64_t addr = (uint64_t)(uintptr_t)&sym_target, start = 0;
	char *real = realpath("/bin/sleep", NULL), maps[64], line[4096];
	const char *base;
	struct usyms *u;
	struct usym s;
	int pfd[2];
	pid_t child;

	if (!real || access(real, X_OK) || pipe(pfd)) {
		printf("# skip exec: no /bin/sleep\n");
		free(real);
		return;
	}
	base = usyms_module_basename(real);
	child = fork();
	if (!child) {
		char c;

		close(pfd[1]);
		if (read(pfd[0], &c, 1) == 1)
			execl(real, "sleep", "10", (char *)NULL);
		_exit(127);
	}
	close(pfd[0]);
	u = usyms_new();
	if (child < 0 || !u) {
		CHECK(0, "fork or usyms_new");
		goto out;
	}
	CHECK(usyms_capture(u, (uint32_t)child, 1) == 0, "capture before exec");
	CHECK(usyms_resolve(u, (uint32_t)child, 1, addr, &s) == 0 && s.name && !strcmp(s.name, "sym_target"),
	      "before exec: %s", str(s.name));
	CHECK(write(pfd[1], "x", 1) == 1, "release child");
	/* The new program's text is mapped before it runs; wait for it. */
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)child);
	for (int i = 0; i < 500 && !start; i++) {
		FILE *f = fopen(maps, "r");

		while (f && !start && fgets(line, sizeof(line), f)) {
			char *nl = strchr(line, '\n'), *slash = strrchr(line, '/');

			if (nl)
				*nl = 0;
			if (strstr(line, " r-xp ") && slash && !strcmp(slash + 1, base))
				sscanf(line, "%" SCNx64, &start);
		}
		if (f)
			fclose(f);
		if (!start)
			usleep(10000);
	}
	CHECK(start, "%s never mapped in child", real);
	if (start) {
		CHECK(usyms_capture(u, (uint32_t)child, 1) == 0, "capture after exec");
		CHECK(usyms_resolve(u, (uint32_t)child, 1, start, &s) == 0 && s.module && !strcmp(s.module, base),
		      "after exec: module %s", str(s.module));
		CHECK(usyms_resolve(u, (uint32_t)child, 1, addr, &s) == 0 && !(s.name && !strcmp(s.name, "sym_target")),
		      "old mapping survived exec");
	}
out:
	close(pfd[1]);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	usyms_free(u);
	free(real);
}

/* A deleted file mapped executable is read through map_files. */
static void test_deleted(const char *img, size_t len, uint64_t target_off)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t pgoff = target_off & ~(uint64_t)(page - 1);
	char path[64];
	struct usyms *u;
	struct usym s;
	void *map;
	int fd, err;

	if (target_off >= len)
		return;
	snprintf(path, sizeof(path), "%s/deleted-copy", tmpdir);
	fd = write_file(path, img, len);
	CHECK(fd >= 0, "write %s", path);
	if (fd < 0)
		return;
	map = mmap(NULL, (size_t)page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, (off_t)pgoff);
	err = errno;
	close(fd);
	unlink(path);
	if (map == MAP_FAILED && err == EPERM) {
		printf("# skip deleted file: %s is noexec\n", tmpdir);
		return;
	}
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(err));
	if (map == MAP_FAILED)
		return;
	u = usyms_new();
	if (u) {
		uint64_t addr = (uint64_t)(uintptr_t)map + (target_off - pgoff);

		CHECK(usyms_capture(u, (uint32_t)getpid(), 1) == 0, "capture");
		CHECK(usyms_resolve(u, (uint32_t)getpid(), 1, addr, &s) == 0 && s.name &&
		      !strcmp(s.name, "sym_target") && s.module && !strcmp(s.module, "deleted-copy") &&
		      s.module_offset == target_off, "deleted: %s in %s", str(s.name), str(s.module));
		usyms_free(u);
	}
	munmap(map, (size_t)page);
}

static uint32_t rnd(void)
{
	static uint32_t x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Load fd and poke at the result: any table must answer lookups. */
static void load_damaged(int fd, const char *what)
{
	struct usym_table *t = usym_table_load(fd);
	uint64_t off;

	CHECK(!t || usym_table_count(t) < 1000000, "%s: absurd count", what);
	for (uint64_t a = 0; t && a < 1 << 16; a += 61)
		usym_table_lookup(t, a, &off);
	usym_table_free(t);
}

static void test_elf_files(const char *img, size_t len, uint64_t target_off)
{
	static const size_t cuts[] = { 0, 4, 16, 63, 64, 100, 1000, 3000, 8192 };
	char path[64], junk[4096];
	const Elf64_Ehdr *eh = (const void *)img;
	struct usym_table *t;
	const char *name;
	uint64_t off = 1;
	char *mut;
	int fd;

	CHECK(!usym_table_lookup(NULL, 0, &off) && usym_table_count(NULL) == 0, "NULL table");

	snprintf(path, sizeof(path), "%s/elf", tmpdir);
	fd = write_file(path, img, len);
	CHECK(fd >= 0, "write %s", path);
	if (fd < 0)
		return;
	t = usym_table_load(fd);
	CHECK(t && usym_table_count(t) > 0, "load copy of self");
	name = usym_table_lookup(t, target_off + 3, &off);
	CHECK(name && !strcmp(name, "sym_target") && off == 3, "table lookup: %s", str(name));
	CHECK(!usym_table_lookup(t, (uint64_t)len * 4, &off), "offset past the file");
	usym_table_free(t);

	/* Truncated copies. */
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		if (ftruncate(fd, 0) || pwrite(fd, img, cuts[i] < len ? cuts[i] : len, 0) < 0)
			continue;
		load_damaged(fd, "truncated");
	}
	if (!ftruncate(fd, 0) && pwrite(fd, img, len / 2, 0) >= 0)
		load_damaged(fd, "half");

	/* An ELF header followed by garbage. */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)rnd();
	memcpy(junk, img, len < 16 ? len : 16);
	if (!ftruncate(fd, 0) && pwrite(fd, junk, sizeof(junk), 0) >= 0)
		load_damaged(fd, "garbage");
	memcpy(junk, img, len < sizeof(*eh) ? len : sizeof(*eh));
	if (!ftruncate(fd, 0) && pwrite(fd, junk, sizeof(junk), 0) >= 0)
		load_damaged(fd, "header+garbage");

	/* Random corruption of the headers the loader trusts most. */
	mut = malloc(len);
	if (mut && len > sizeof(*eh)) {
		for (int round = 0; round < 400; round++) {
			memcpy(mut, img, len);
			for (int k = 1 + (int)(rnd() % 8); k > 0; k--) {
				uint64_t base = 0, span = sizeof(*eh), pos;

				switch (rnd() % 4) {
				case 1:
					base = eh->e_phoff;
					span = (uint64_t)eh->e_phnum * eh->e_phentsize;
					break;
				case 2:
					base = eh->e_shoff;
					span = (uint64_t)eh->e_shnum * eh->e_shentsize;
					break;
				case 3:
					span = len;
					break;
				}
				pos = base + (span ? rnd() % span : 0);
				if (pos < len)
					mut[pos] = (rnd() & 1) ? (char)rnd() : (char)0xff;
			}
			if (ftruncate(fd, 0) || pwrite(fd, mut, len, 0) != (ssize_t)len)
				break;
			load_damaged(fd, "mutated");
		}
	}
	free(mut);
	close(fd);
	unlink(path);

	/* Not regular files at all. */
	fd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0 && !usym_table_load(fd), "directory");
	if (fd >= 0)
		close(fd);
	fd = open("/dev/null", O_RDONLY);
	CHECK(fd >= 0 && !usym_table_load(fd), "/dev/null");
	if (fd >= 0)
		close(fd);
}

static void test_ksyms(void)
{
	uint64_t addr, sched = 0, off = 99;
	bool visible = false;
	char line[1024], name[512], type;
	struct ksyms *k;
	FILE *f;

	CHECK(ksyms_is_bpf("bpf_prog_6deef7357e7b4530_sd_fw_ingress"), "bpf prog");
	CHECK(ksyms_is_bpf("bpf_trampoline_6442453466"), "bpf trampoline");
	CHECK(ksyms_is_bpf("__traceiter_sched_waking") && ksyms_is_bpf("__bpf_trace_sched_switch"), "tracepoint iterators");
	CHECK(!ksyms_is_bpf("bpf_map_lookup_elem") && !ksyms_is_bpf(NULL), "not bpf");

	f = fopen("/proc/kallsyms", "r");
	if (!f) {
		printf("# skip ksyms: no /proc/kallsyms\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %511s", &addr, &type, name) != 3)
			continue;
		visible |= addr != 0;
		if ((type == 'T' || type == 't') && !strcmp(name, "schedule"))
			sched = addr;
	}
	fclose(f);

	k = ksyms_load();
	CHECK(k, "ksyms_load: %s", strerror(errno));
	if (!k)
		return;
	if (!visible || !sched) {
		printf("# skip ksyms lookup: kernel addresses hidden\n");
		CHECK(!ksyms_lookup(k, 0xffffffff81000000ULL, &off), "hidden addresses resolve");
	} else {
		const char *s = ksyms_lookup(k, sched, &off);

		CHECK(ksyms_count(k) > 1000, "only %zu symbols", ksyms_count(k));
		CHECK(s && !strcmp(s, "schedule") && off == 0, "schedule: %s+%" PRIu64, str(s), off);
		s = ksyms_lookup(k, sched + 1, &off);
		CHECK(s && !strcmp(s, "schedule") && off == 1, "schedule+1: %s+%" PRIu64, str(s), off);
		CHECK(!ksyms_lookup(k, 1, &off), "below first symbol");
	}
	ksyms_free(k);
}

/* Address spaces are (pid, gen): two generations of one pid stay apart,
 * and ended ones are capped, newest kept, live ones never dropped. */
static void test_generations(void)
{
	struct usyms *u = usyms_new();
	uint32_t pid = (uint32_t)getpid();
	uint64_t addr = (uint64_t)(uintptr_t)&sym_target;
	struct usym s;

	CHECK(u && usyms_capture(u, pid, 7) == 0, "capture gen 7");
	CHECK(!usyms_has(u, pid, 8) && usyms_resolve(u, pid, 8, addr, &s) == -ENOENT, "gen 8 is another process");
	CHECK(usyms_resolve(u, pid, 7, addr, &s) == 0 && s.name && !strcmp(s.name, "sym_target"), "gen 7 resolves");
	for (uint32_t g = 100; g < 100 + 3000; g++) {
		CHECK(usyms_capture(u, pid, g) == 0, "capture gen %u", g);
		usyms_forget(u, pid, g);
	}
	CHECK(usyms_evicted(u) >= 3000 - 512, "ended address spaces capped: %llu dropped",
	      (unsigned long long)usyms_evicted(u));
	CHECK(!usyms_has(u, pid, 100), "the oldest ended one is gone");
	CHECK(usyms_has(u, pid, 100 + 2999) && usyms_resolve(u, pid, 100 + 2999, addr, &s) == 0 && s.name,
	      "the newest ended one stays");
	CHECK(usyms_resolve(u, pid, 7, addr, &s) == 0 && s.name && !strcmp(s.name, "sym_target"),
	      "a live one is never dropped");
	usyms_forget(u, pid, 7);
	usyms_forget(u, pid, 7); /* twice: no double entry */
	usyms_free(u);
}

/* perf map lines as the JVM, Node and perf-map-agent write them, and junk. */
static void test_perfmap_lines(void)
{
	uint64_t start, size;
	const char *name;
	int len;

	CHECK(perfmap_parse_line("0x00007fb964ec7600 0x00000000000000b8 long Chain.hot(long)\n", &start, &size, &name,
				 &len) && start == 0x7fb964ec7600ULL && size == 0xb8 &&
	      !strncmp(name, "long Chain.hot(long)", (size_t)len) && len == 20, "jvm line");
	CHECK(perfmap_parse_line("3f1c2a40 1c0 JS:*hot /x/burn.js:2:13", &start, &size, &name, &len) &&
	      start == 0x3f1c2a40 && size == 0x1c0 && len == 23, "node line, no 0x");
	CHECK(perfmap_parse_line("10\t20\tname with\ttab\r\n", &start, &size, &name, &len) && len == 13, "tabs, CRLF");
	CHECK(!perfmap_parse_line("", &start, &size, &name, &len), "empty");
	CHECK(!perfmap_parse_line("zz 10 x", &start, &size, &name, &len), "not hex");
	CHECK(!perfmap_parse_line("10 0 x", &start, &size, &name, &len), "size 0");
	CHECK(!perfmap_parse_line("10 20", &start, &size, &name, &len), "no name");
	CHECK(!perfmap_parse_line("ffffffffffffffff 20 x", &start, &size, &name, &len), "wraps");
	CHECK(!perfmap_parse_line("10x 20 x", &start, &size, &name, &len), "junk after a number");
}

/* PLT stubs are named NAME@plt, at the addresses objdump labels them. */
static void test_plt(const char *path)
{
	char cmd[512], line[512], name[256];
	unsigned long long addr;
	int fd = open(path, O_RDONLY | O_CLOEXEC), n = 0;
	struct usym_table *t = fd >= 0 ? usym_table_open(fd, false) : NULL;
	FILE *p;

	if (fd >= 0)
		close(fd);
	snprintf(cmd, sizeof(cmd), "objdump -d -j .plt -j .plt.sec %s 2>/dev/null", path);
	if (!t || !(p = popen(cmd, "r"))) {
		usym_table_free(t);
		printf("# test_plt: %s or objdump not here, skipped\n", path);
		return;
	}
	while (fgets(line, sizeof(line), p)) {
		uint64_t off = 0;
		const char *got;

		/* "NAME@plt", not the resolver stub before them ("NAME@plt-0x10"). */
		if (sscanf(line, "%llx <%255[^>]>:", &addr, name) != 2 || strlen(name) < 4 ||
		    strcmp(name + strlen(name) - 4, "@plt"))
			continue;
		CHECK(usym_table_file_offset(t, addr, &off), "%s: 0x%llx in no segment", path, addr);
		got = usym_table_lookup(t, off, NULL);
		CHECK(got && !strcmp(got, name), "%s: 0x%llx is %s, objdump says %s", path, addr, str(got), name);
		/* Its last byte too: the stub is 16 bytes. */
		got = usym_table_lookup(t, off + 15, NULL);
		CHECK(got && !strcmp(got, name), "%s: 0x%llx+15 is %s, objdump says %s", path, addr, str(got), name);
		n++;
	}
	pclose(p);
	usym_table_free(t);
	CHECK(n >= 10, "%s: only %d PLT stubs compared", path, n);
}

int main(void)
{
	uint64_t target_off = 0;
	size_t len = 0;
	char *img;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_self(&target_off);
	test_exited_child();
	test_exec();
	test_generations();
	img = self_copy(&len);
	CHECK(img && len > 0, "read /proc/self/exe");
	if (img && len) {
		test_deleted(img, len, target_off);
		test_elf_files(img, len, target_off);
	}
	free(img);
	test_ksyms();
	test_perfmap_lines();
	test_plt("/usr/bin/ls");
	test_plt("/usr/lib/postgresql/15/bin/postgres");
	rmdir(tmpdir);
	printf("%s test_syms\n", failures ? "not ok" : "ok");
	return failures ? 1 : 0;
}

/* Address spaces of processes: their executable mappings, captured while
 * they live (/proc/PID/maps) and kept after they end, each mapping pointing
 * at the shared symbol table of its file (lib/sym/elfsyms.c). */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "lib/core/hashmap.h"
#include "lib/core/interner.h"
#include "lib/core/sorted.h"
#include "lib/sym/cfi.h"
#include "lib/sym/elfsyms.h"
#include "lib/sym/perfmap.h"
#include "lib/sym/procmaps.h"
#include "lib/sym/usyms.h"

/* Address spaces of processes that ended, kept for their stacks; beyond
 * this the oldest half goes (their frames become module+offset). */
#define USYMS_MAX_DEAD 512
/* Cap on distinct files with symbol tables, and on the bytes they hold
 * (symbols, names, CFI: libjvm.so alone is ~20 MB with its CFI); past
 * either, further files are named module+offset, counted (-v). */
#define USYMS_MAX_FILES 4096
#define USYMS_MAX_BYTES (256ULL << 20)

/* Allocated on its own: mappings point at it while the files map grows. */
struct ufile {
	struct usym_table *tab;	/* NULL when the file is not a readable ELF */
};

struct file_key {
	uint64_t dev;
	uint64_t ino;
};

struct umap {
	uint64_t start;
	uint64_t end;
	uint64_t pgoff;
	const char *module;
	struct ufile *file;	/* symbols, for executable mappings only */
};

/* Allocated on its own: the dead list points at it. */
struct uproc {
	uint32_t captures;
	bool dead;
	bool evict;
	size_t n;
	struct umap *maps;
	struct perfmap *jit;	/* names of JIT code (perf map), read when first needed */
	bool jit_tried;
};

struct proc_key {
	uint32_t pid;
	uint32_t gen;
};

struct usyms {
	struct sre_map procs;	/* struct proc_key -> struct uproc * */
	struct uproc **dead;	/* ended address spaces, oldest first */
	size_t ndead, capdead;
	uint64_t evicted;
	struct sre_map files;	/* struct file_key -> struct ufile *, at most USYMS_MAX_FILES */
	struct ufile vdso;
	uint64_t vdso_size;
	bool vdso_tried;
	struct sre_interner pool; /* module names repeat across every process */
	uint64_t named, module_only, unknown, jit;
	uint64_t file_bytes, files_loaded, files_debug, files_over_budget;
	uint64_t inlined, inline_bytes; /* inlined frames named; debug info read for them */
	bool want_cfi;
};

/* ---- files and processes ---- */

static void procs_init(struct sre_map *m)
{
	sre_map_init(m, sizeof(struct proc_key), sizeof(struct uproc *), NULL, NULL);
}

static struct uproc *find_proc(const struct usyms *u, uint32_t pid, uint32_t gen)
{
	struct proc_key k = { .pid = pid, .gen = gen };
	struct uproc **p = sre_map_get(&u->procs, &k);

	return p ? *p : NULL;
}

/* Frees the oldest half of the ended address spaces and rebuilds the
 * map without them (sre_map has no removal). */
static void evict_dead(struct usyms *u)
{
	size_t k = u->ndead / 2, i = 0;
	struct sre_map kept;
	const void *key;
	void *val;

	for (size_t d = 0; d < k; d++)
		u->dead[d]->evict = true;
	procs_init(&kept);
	while (sre_map_next(&u->procs, &i, &key, &val)) {
		struct uproc *p = *(struct uproc **)val, **slot;

		if (p->evict)
			continue;
		slot = sre_map_put(&kept, key, NULL);
		if (!slot) {
			/* Out of memory: keep them all, try again at the next end. */
			for (size_t d = 0; d < k; d++)
				u->dead[d]->evict = false;
			sre_map_free(&kept);
			return;
		}
		*slot = p;
	}
	sre_map_free(&u->procs);
	u->procs = kept;
	for (size_t d = 0; d < k; d++) {
		free(u->dead[d]->maps);
		perfmap_free(u->dead[d]->jit);
		free(u->dead[d]);
	}
	memmove(u->dead, u->dead + k, (u->ndead - k) * sizeof(*u->dead));
	u->ndead -= k;
	u->evicted += k;
}

void usyms_forget(struct usyms *u, uint32_t pid, uint32_t gen)
{
	struct uproc *p = find_proc(u, pid, gen);

	if (!p || p->dead)
		return;
	if (u->ndead == u->capdead) {
		size_t cap = u->capdead ? u->capdead * 2 : 64;
		struct uproc **g = realloc(u->dead, cap * sizeof(*g));

		if (!g)
			return;
		u->dead = g;
		u->capdead = cap;
	}
	p->dead = true;
	u->dead[u->ndead++] = p;
	if (u->ndead > USYMS_MAX_DEAD)
		evict_dead(u);
}

uint64_t usyms_evicted(const struct usyms *u)
{
	return u->evicted;
}

const char *usyms_module_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

struct usyms *usyms_new(void)
{
	struct usyms *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	procs_init(&u->procs);
	sre_map_init(&u->files, sizeof(struct file_key), sizeof(struct ufile *), NULL, NULL);
	u->files.max = USYMS_MAX_FILES;
	sre_interner_init(&u->pool);
	return u;
}

void usyms_free(struct usyms *u)
{
	size_t i = 0;
	void *val;

	if (!u)
		return;
	while (sre_map_next(&u->procs, &i, NULL, &val)) {
		struct uproc *p = *(struct uproc **)val;

		free(p->maps);
		perfmap_free(p->jit);
		free(p);
	}
	sre_map_free(&u->procs);
	free(u->dead);
	i = 0;
	while (sre_map_next(&u->files, &i, NULL, &val)) {
		struct ufile *f = *(struct ufile **)val;

		usym_table_free(f->tab);
		free(f);
	}
	sre_map_free(&u->files);
	usym_table_free(u->vdso.tab);
	sre_interner_free(&u->pool);
	free(u);
}

/* The vDSO is the same image in every native process, so our own copy
 * names the frames of all of them. */
static void load_vdso(struct usyms *u)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	char *text = NULL, *line, *next, *copy;
	struct sre_maps_line ml;
	Elf *e;

	u->vdso_tried = true;
	if (!base || !usym_elf_ready() || sre_read_text("/proc/self/maps", &text))
		return;
	for (line = text; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = 0;
		if (!sre_parse_maps_line(line, &ml) && ml.start == base && !strcmp(ml.path, "[vdso]")) {
			u->vdso_size = ml.end - ml.start;
			break;
		}
	}
	free(text);
	if (!u->vdso_size)
		return;
	/* libelf may want to write to its image; never give it ours. */
	copy = malloc(u->vdso_size);
	if (!copy)
		return;
	memcpy(copy, (const void *)base, u->vdso_size);
	e = elf_memory(copy, u->vdso_size);
	if (e) {
		u->vdso.tab = usym_table_from_elf(e, u->want_cfi);
		elf_end(e);
	}
	free(copy);
}

static struct ufile *get_file(struct usyms *u, uint32_t pid, const struct sre_maps_line *ml,
			      const char *path, size_t path_len, bool deleted)
{
	struct file_key k = { .dev = makedev(ml->major, ml->minor), .ino = ml->ino };
	struct ufile **slot = sre_map_get(&u->files, &k), *f;
	char proc_path[PATH_MAX + 64];
	int fd;

	if (slot)
		return *slot;
	/* Checked before loading: a table past the cap would only be dropped. */
	if (u->files.n >= u->files.max || u->file_bytes >= USYMS_MAX_BYTES) {
		u->files_over_budget++;
		return NULL;
	}
	fd = sre_open_mapped(pid, ml, path, path_len, deleted);
	/* Not cached: another process may let us open it. */
	if (fd < 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return NULL;
	}
	/* The path as the process sees it, for its debug file's debuglink. */
	snprintf(proc_path, sizeof(proc_path), "/proc/%u/root%.*s", pid, (int)path_len, path);
	f->tab = usym_table_open_path(fd, u->want_cfi, proc_path);
	close(fd);
	if (f->tab) {
		u->file_bytes += usym_table_bytes(f->tab);
		u->files_loaded++;
		u->files_debug += usym_table_debug_file(f->tab) != NULL;
	}
	slot = sre_map_put(&u->files, &k, NULL);
	if (!slot) {
		usym_table_free(f->tab);
		free(f);
		return NULL;
	}
	*slot = f;
	return f;
}

static int fill_map(struct usyms *u, uint32_t pid, const struct sre_maps_line *ml, struct umap *m)
{
	static const char deleted_sfx[] = " (deleted)";
	const size_t sfx_len = sizeof(deleted_sfx) - 1;
	const char *path = ml->path, *base;
	size_t len = strlen(path);
	bool deleted = false, exec = ml->perms[2] == 'x';

	memset(m, 0, sizeof(*m));
	m->start = ml->start;
	m->end = ml->end;
	if (!*path) {
		m->module = sre_intern(&u->pool, "[anon]");
	} else if (*path != '/') {
		m->module = sre_intern_n(&u->pool, path, len);
		if (exec && !strcmp(path, "[vdso]")) {
			if (!u->vdso_tried)
				load_vdso(u);
			/* A 32-bit process has a different vDSO. */
			if (u->vdso.tab && ml->end - ml->start == u->vdso_size)
				m->file = &u->vdso;
		}
	} else {
		if (len > sfx_len && !strcmp(path + len - sfx_len, deleted_sfx)) {
			deleted = true;
			len -= sfx_len;
		}
		base = usyms_module_basename(path);
		if (base >= path + len)
			base = path;
		m->module = sre_intern_n(&u->pool, base, (size_t)(path + len - base));
		/* Only files have meaningful offsets; anonymous pgoff is not one. */
		m->pgoff = ml->pgoff;
		if (exec && ml->ino)
			m->file = get_file(u, pid, ml, path, len, deleted);
	}
	return m->module ? 0 : -ENOMEM;
}

int usyms_capture(struct usyms *u, uint32_t pid, uint32_t gen)
{
	char path[64], *text, *line, *next;
	struct umap *maps = NULL, *grown;
	struct sre_maps_line ml;
	size_t n = 0, cap = 0;
	struct uproc *p, **slot;
	int err;

	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	/* Snapshot the whole list first: loading files takes time, and the
	 * process keeps running. */
	err = sre_read_text(path, &text);
	if (err)
		return err == -ESRCH ? -ENOENT : err;
	for (line = text; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = 0;
		/* Only code can be in a stack: data, heap and stack mappings are
		 * most of a process's list, and kept per process they add up. */
		if (sre_parse_maps_line(line, &ml) || ml.perms[2] != 'x')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(maps, cap * sizeof(*maps));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			maps = grown;
		}
		err = fill_map(u, pid, &ml, &maps[n]);
		if (err)
			break;
		n++;
	}
	free(text);
	if (err) {
		free(maps);
		return err;
	}
	p = find_proc(u, pid, gen);
	if (!p) {
		struct proc_key k = { .pid = pid, .gen = gen };

		/* Made before it is added: the map never holds a NULL. */
		p = calloc(1, sizeof(*p));
		slot = p ? sre_map_put(&u->procs, &k, NULL) : NULL;
		if (!slot) {
			free(p);
			free(maps);
			return -ENOMEM;
		}
		*slot = p;
	}
	free(p->maps);
	p->maps = maps;
	p->n = n;
	p->captures++;
	return 0;
}

unsigned int usyms_captures(const struct usyms *u, uint32_t pid, uint32_t gen)
{
	const struct uproc *p = find_proc(u, pid, gen);

	return p ? p->captures : 0;
}

bool usyms_has(const struct usyms *u, uint32_t pid, uint32_t gen)
{
	return u && find_proc(u, pid, gen);
}

/* The mapping of (pid, gen) holding addr; NULL, with *known false when
 * (pid, gen) was never captured. */
static const struct umap *find_map(const struct usyms *u, uint32_t pid, uint32_t gen, uint64_t addr, bool *known)
{
	const struct uproc *p = find_proc(u, pid, gen);
	size_t lo;

	*known = p != NULL;
	if (!p)
		return NULL;
	/* /proc/PID/maps lists mappings in address order. */
	lo = SRE_COUNT_LE(p->maps, p->n, start, addr);
	if (!lo || addr >= p->maps[lo - 1].end)
		return NULL;
	return &p->maps[lo - 1];
}

void usyms_set_cfi(struct usyms *u, bool on)
{
	u->want_cfi = on;
}

int usyms_find_cfi(const struct usyms *u, uint32_t pid, uint32_t gen, uint64_t addr, const struct cfi_table **cfi,
		   uint64_t *vaddr)
{
	bool known;
	const struct umap *m = find_map(u, pid, gen, addr, &known);

	if (!m)
		return known ? -ESRCH : -ENOENT;
	if (!m->file || !usym_table_cfi(m->file->tab) ||
	    !usym_table_vaddr(m->file->tab, addr - m->start + m->pgoff, vaddr))
		return -ENODATA;
	*cfi = usym_table_cfi(m->file->tab);
	return 0;
}

int usyms_frame_pointers(const struct usyms *u, uint32_t pid, uint32_t gen)
{
	const struct uproc *p = find_proc(u, pid, gen);

	if (!p)
		return -ENOENT;
	/* The program is the first file mapped with code (libraries and the
	 * loader come after it in address order). */
	for (size_t i = 0; i < p->n; i++) {
		const struct ufile *f = p->maps[i].file;

		if (!f || f == &u->vdso)
			continue;
		return usym_table_frame_pointers(f->tab);
	}
	return 0;
}

/* JIT code: anonymous executable memory, or memory mapped after the
 * process's mappings were read. Named from the process's perf map, read
 * (again, when it grew) while the process lives. */
static const char *jit_name(struct usyms *u, uint32_t pid, uint32_t gen, uint64_t addr, uint64_t *offset)
{
	struct uproc *p = find_proc(u, pid, gen);
	const char *name;

	if (!p)
		return NULL;
	if (!p->jit && !p->jit_tried) {
		p->jit_tried = true;
		p->jit = perfmap_new(&u->pool);
	}
	if (!p->jit)
		return NULL;
	name = perfmap_lookup(p->jit, addr, offset);
	if (!name && !p->dead && !perfmap_refresh(p->jit, pid))
		name = perfmap_lookup(p->jit, addr, offset);
	return name;
}

/* Anonymous code no perf map names: one frame per mapping, not one per
 * instruction ("[jit@0x7f3a1c000000]"). */
static const char *jit_region(struct usyms *u, const struct umap *m)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "[jit@0x%" PRIx64 "]", m->start);
	return sre_intern(&u->pool, buf);
}

/* No symbol covers it: name the function by where its FDE starts, so
 * every address in one function is one frame (libc.so.6+0x163940), not
 * one per instruction. The function is known from .eh_frame, loaded when
 * stacks are unwound by it (--unwind dwarf, auto). */
static void to_function_start(const struct usym_table *tab, struct usym *out)
{
	uint64_t vaddr, start, off;

	if (usym_table_vaddr(tab, out->module_offset, &vaddr) && cfi_fde_start(usym_table_cfi(tab), vaddr, &start) &&
	    usym_table_file_offset(tab, start, &off))
		out->module_offset = off;
}

int usyms_resolve(struct usyms *u, uint32_t pid, uint32_t gen, uint64_t addr, struct usym *out)
{
	const struct umap *m;
	bool known;

	memset(out, 0, sizeof(*out));
	m = find_map(u, pid, gen, addr, &known);
	if (!known) {
		u->unknown++;
		return -ENOENT;
	}
	if (!m || !m->file) {
		/* No file to name it: JIT code, if the process has a perf map. */
		out->name = jit_name(u, pid, gen, addr, &out->offset);
		if (out->name) {
			u->jit++;
			out->module = m ? m->module : "[jit]";
			return 0;
		}
	}
	if (!m) {
		u->unknown++;
		return 0;
	}
	out->module = m->module;
	out->map_start = m->start;
	out->map_end = m->end;
	out->map_pgoff = m->pgoff;
	if (m->file)
		out->build_id = usym_table_build_id(m->file->tab);
	out->module_offset = addr - m->start + m->pgoff;
	if (m->file)
		out->name = usym_table_lookup(m->file->tab, out->module_offset, &out->offset);
	else if (!strcmp(m->module, "[anon]"))
		out->name = jit_region(u, m);
	if (out->name && !m->file) {
		u->module_only++;
		return 0;
	}
	if (out->name) {
		u->named++;
		return 0;
	}
	u->module_only++;
	if (m->file)
		to_function_start(m->file->tab, out);
	return 0;
}

int usyms_inlines(struct usyms *u, uint32_t pid, uint32_t gen, uint64_t addr, const char **names, int max)
{
	bool known;
	const struct umap *m = find_map(u, pid, gen, addr, &known);
	struct usym_table *tab = m && m->file ? m->file->tab : NULL;
	uint64_t vaddr;
	size_t before;
	int n;

	if (!tab || !usym_table_vaddr(tab, addr - m->start + m->pgoff, &vaddr))
		return 0;
	before = usym_table_bytes(tab);
	n = usym_table_inlines(tab, vaddr, names, max);
	u->inline_bytes += usym_table_bytes(tab) - before;
	u->inlined += (uint64_t)n;
	return n;
}

void usyms_inline_stats(const struct usyms *u, uint64_t *frames, uint64_t *bytes)
{
	*frames = u->inlined;
	*bytes = u->inline_bytes;
}

void usyms_files(const struct usyms *u, uint64_t *loaded, uint64_t *bytes, uint64_t *from_debug, uint64_t *over)
{
	*loaded = u->files_loaded;
	*bytes = u->file_bytes;
	*from_debug = u->files_debug;
	*over = u->files_over_budget;
}

void usyms_stats(const struct usyms *u, uint64_t *named, uint64_t *jit, uint64_t *module_only, uint64_t *unknown)
{
	*named = u->named + u->jit;
	*jit = u->jit;
	*module_only = u->module_only;
	*unknown = u->unknown;
}

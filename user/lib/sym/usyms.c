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
#include "lib/sym/usyms.h"

/* Address spaces of processes that ended, kept for their stacks; beyond
 * this the oldest half goes (their frames become module+offset). */
#define USYMS_MAX_DEAD 512
/* Cap on distinct files with symbol tables; more are named module+offset. */
#define USYMS_MAX_FILES 4096

struct usym_fn {
	uint64_t start;
	uint64_t size;
	uint32_t name;	/* offset into names, which moves while it grows */
	uint8_t rank;	/* which of several aliases at one address to keep */
};

/* A PT_LOAD segment: how file offsets map to ELF virtual addresses. */
struct usym_seg {
	uint64_t off;
	uint64_t filesz;
	uint64_t vaddr;
};

struct usym_table {
	struct usym_fn *fns;
	size_t nfns;
	struct usym_seg *segs;
	size_t nsegs;
	char *names;
	size_t names_len, names_cap;
	char build_id[41];	/* GNU build ID in hex, "" when the file has none */
	struct cfi_table *cfi;	/* .eh_frame, when unwinding wants it */
	bool frame_pointers;	/* judged from cfi once, when it is loaded */
};

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
	uint64_t named, module_only, unknown;
	bool want_cfi;
};

/* ---- ELF symbol tables ---- */

static bool elf_ready(void)
{
	static int state;

	if (!state)
		state = elf_version(EV_CURRENT) != EV_NONE ? 1 : -1;
	return state > 0;
}

static int add_fn(struct usym_table *t, const GElf_Sym *s, const char *name, size_t *cap)
{
	size_t len = strlen(name);
	static const uint8_t bind_rank[] = { [STB_GLOBAL] = 0, [STB_WEAK] = 1, [STB_LOCAL] = 2 };
	unsigned int bind = GELF_ST_BIND(s->st_info);

	if (t->nfns == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		struct usym_fn *n = realloc(t->fns, c * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->fns = n;
		*cap = c;
	}
	if (t->names_len + len + 1 > t->names_cap) {
		size_t c = t->names_cap ? t->names_cap * 2 : 4096;
		char *n;

		while (c < t->names_len + len + 1)
			c *= 2;
		if (c > UINT32_MAX)
			return -E2BIG;
		n = realloc(t->names, c);
		if (!n)
			return -ENOMEM;
		t->names = n;
		t->names_cap = c;
	}
	memcpy(t->names + t->names_len, name, len + 1);
	t->fns[t->nfns].start = s->st_value;
	t->fns[t->nfns].size = s->st_size;
	t->fns[t->nfns].name = (uint32_t)t->names_len;
	/* Prefer sized, then global, symbols: "fprintf" over a local alias. */
	t->fns[t->nfns].rank = (uint8_t)((s->st_size ? 0 : 4) + (bind <= STB_WEAK ? bind_rank[bind] : 3));
	t->nfns++;
	t->names_len += len + 1;
	return 0;
}

static int load_syms(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, struct usym_table *t)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t entsz = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT), cap = 0, n;
	GElf_Sym s;
	int err;

	if (!d || !entsz)
		return 0;
	n = d->d_size / entsz;
	for (size_t i = 0; i < n; i++) {
		unsigned int type;
		const char *name;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		type = GELF_ST_TYPE(s.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !s.st_value || s.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(e, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		err = add_fn(t, &s, name, &cap);
		if (err)
			return err;
	}
	return 0;
}

static Elf_Scn *find_section(Elf *e, uint32_t type, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == type)
			return scn;
	return NULL;
}

static int load_segs(Elf *e, struct usym_table *t)
{
	size_t n, cnt = 0;
	GElf_Phdr ph;

	if (elf_getphdrnum(e, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(e, (int)i, &ph))
			break;
		cnt += ph.p_type == PT_LOAD;
	}
	if (!cnt)
		return 0;
	t->segs = calloc(cnt, sizeof(*t->segs));
	if (!t->segs)
		return -ENOMEM;
	for (size_t i = 0; i < n && t->nsegs < cnt; i++) {
		if (!gelf_getphdr(e, (int)i, &ph))
			break;
		if (ph.p_type != PT_LOAD)
			continue;
		t->segs[t->nsegs].off = ph.p_offset;
		t->segs[t->nsegs].filesz = ph.p_filesz;
		t->segs[t->nsegs].vaddr = ph.p_vaddr;
		t->nsegs++;
	}
	return 0;
}

/* The GNU build ID note, which profile stores use to find the file again. */
static void load_build_id(Elf *e, struct usym_table *t)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, next, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(d = elf_getdata(scn, NULL)))
			continue;
		while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > off) {
			const uint8_t *desc = (const uint8_t *)d->d_buf + desc_off;

			off = next;
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + name_off, "GNU", 4) || !nh.n_descsz ||
			    nh.n_descsz > 20)
				continue;
			for (size_t i = 0; i < nh.n_descsz; i++)
				snprintf(t->build_id + 2 * i, 3, "%02x", desc[i]);
			return;
		}
	}
}

static int cmp_fn(const void *a, const void *b)
{
	const struct usym_fn *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static struct usym_table *table_from_elf(Elf *e, bool want_cfi)
{
	struct usym_table *t;
	Elf_Scn *scn;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	size_t out = 0;
	int err;

	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		errno = ENOEXEC;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	err = load_segs(e, t);
	load_build_id(e, t);
	/* Stripped binaries keep only .dynsym; use it when .symtab has no functions. */
	scn = find_section(e, SHT_SYMTAB, &sh);
	if (!err && scn)
		err = load_syms(e, scn, &sh, t);
	if (!err && !t->nfns) {
		scn = find_section(e, SHT_DYNSYM, &sh);
		if (scn)
			err = load_syms(e, scn, &sh, t);
	}
	if (err) {
		usym_table_free(t);
		errno = -err;
		return NULL;
	}
	if (want_cfi) {
		t->cfi = cfi_table_from_elf(e);
		/* No .eh_frame at all (Go): only frame pointers can walk it.
		 * Else the share of functions that make rbp the CFA, measured:
		 * 0.40 for a small -fno-omit-frame-pointer program (its start-up
		 * code has none), 0.00-0.04 for Debian's sleep, python3, libc. */
		t->frame_pointers = !t->cfi || cfi_table_fp_share(t->cfi) >= 0.25;
	}
	if (t->nfns)
		qsort(t->fns, t->nfns, sizeof(*t->fns), cmp_fn);
	/* One name per address, so lookup is a plain upper bound. */
	for (size_t i = 0; i < t->nfns; i++)
		if (!out || t->fns[i].start != t->fns[out - 1].start)
			t->fns[out++] = t->fns[i];
	t->nfns = out;
	return t;
}

static struct usym_table *table_load(int fd, bool want_cfi)
{
	struct usym_table *t;
	struct stat st;
	Elf *e;

	if (!elf_ready()) {
		errno = ELIBBAD;
		return NULL;
	}
	if (fstat(fd, &st))
		return NULL;
	/* Devices and pipes can be mapped too, but are not ELF files. */
	if (!S_ISREG(st.st_mode)) {
		errno = ENOEXEC;
		return NULL;
	}
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e) {
		errno = ENOEXEC;
		return NULL;
	}
	t = table_from_elf(e, want_cfi);
	elf_end(e);
	return t;
}

struct usym_table *usym_table_load(int fd)
{
	return table_load(fd, false);
}

void usym_table_free(struct usym_table *t)
{
	if (!t)
		return;
	cfi_table_free(t->cfi);
	free(t->fns);
	free(t->segs);
	free(t->names);
	free(t);
}

size_t usym_table_count(const struct usym_table *t)
{
	return t ? t->nfns : 0;
}

/* The ELF virtual address of a file offset, through the PT_LOAD segments. */
static bool file_vaddr(const struct usym_table *t, uint64_t file_off, uint64_t *vaddr)
{
	for (size_t i = 0; i < t->nsegs; i++) {
		if (file_off >= t->segs[i].off && file_off - t->segs[i].off < t->segs[i].filesz) {
			*vaddr = file_off - t->segs[i].off + t->segs[i].vaddr;
			return true;
		}
	}
	return false;
}

const char *usym_table_lookup(const struct usym_table *t, uint64_t file_off, uint64_t *offset)
{
	const struct usym_fn *f;
	size_t lo;
	uint64_t vaddr;

	if (!t || !file_vaddr(t, file_off, &vaddr))
		return NULL;
	lo = SRE_COUNT_LE(t->fns, t->nfns, start, vaddr);
	if (!lo)
		return NULL;
	f = &t->fns[lo - 1];
	/* Size 0 (hand-written asm) runs up to the next symbol. */
	if (f->size && vaddr - f->start >= f->size)
		return NULL;
	if (offset)
		*offset = vaddr - f->start;
	return t->names + f->name;
}

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

/* Whole file into a NUL-terminated buffer: /proc files have no size. */
static int read_text(const char *path, char **out)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap), *n;
	ssize_t r;
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(buf);
		return err;
	}
	for (;;) {
		if (cap - len < 4096) {
			n = realloc(buf, cap * 2);
			if (!n) {
				err = -ENOMEM;
				break;
			}
			buf = n;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = -errno;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = 0;
	*out = buf;
	return 0;
}

struct maps_line {
	uint64_t start, end, pgoff, ino;
	unsigned int major, minor;
	char perms[5];
	const char *path;	/* "" for anonymous memory */
};

static int parse_maps_line(char *line, struct maps_line *ml)
{
	int n = 0;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &ml->start, &ml->end, ml->perms, &ml->pgoff, &ml->major, &ml->minor,
		   &ml->ino, &n) != 7 || !n || ml->end <= ml->start)
		return -EINVAL;
	ml->path = line + n;
	return 0;
}

/* The vDSO is the same image in every native process, so our own copy
 * names the frames of all of them. */
static void load_vdso(struct usyms *u)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	char *text = NULL, *line, *next, *copy;
	struct maps_line ml;
	Elf *e;

	u->vdso_tried = true;
	if (!base || !elf_ready() || read_text("/proc/self/maps", &text))
		return;
	for (line = text; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = 0;
		if (!parse_maps_line(line, &ml) && ml.start == base && !strcmp(ml.path, "[vdso]")) {
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
		u->vdso.tab = table_from_elf(e, u->want_cfi);
		elf_end(e);
	}
	free(copy);
}

static int open_mapped(uint32_t pid, const struct maps_line *ml, const char *path, size_t path_len,
		       bool deleted)
{
	char buf[PATH_MAX + 64];
	struct stat st;
	int fd;

	snprintf(buf, sizeof(buf), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64, pid, ml->start, ml->end);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	/* By path only as a last resort: a deleted file's name is another file now. */
	if (fd >= 0 || deleted || path_len > PATH_MAX)
		return fd;
	snprintf(buf, sizeof(buf), "/proc/%u/root%.*s", pid, (int)path_len, path);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || st.st_ino != ml->ino) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct ufile *get_file(struct usyms *u, uint32_t pid, const struct maps_line *ml,
			      const char *path, size_t path_len, bool deleted)
{
	struct file_key k = { .dev = makedev(ml->major, ml->minor), .ino = ml->ino };
	struct ufile **slot = sre_map_get(&u->files, &k), *f;
	int fd;

	if (slot)
		return *slot;
	/* Checked before loading: a table past the cap would only be dropped. */
	if (u->files.n >= u->files.max)
		return NULL;
	fd = open_mapped(pid, ml, path, path_len, deleted);
	/* Not cached: another process may let us open it. */
	if (fd < 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return NULL;
	}
	f->tab = table_load(fd, u->want_cfi);
	close(fd);
	slot = sre_map_put(&u->files, &k, NULL);
	if (!slot) {
		usym_table_free(f->tab);
		free(f);
		return NULL;
	}
	*slot = f;
	return f;
}

static int fill_map(struct usyms *u, uint32_t pid, const struct maps_line *ml, struct umap *m)
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
	struct maps_line ml;
	size_t n = 0, cap = 0;
	struct uproc *p, **slot;
	int err;

	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	/* Snapshot the whole list first: loading files takes time, and the
	 * process keeps running. */
	err = read_text(path, &text);
	if (err)
		return err == -ESRCH ? -ENOENT : err;
	for (line = text; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = 0;
		/* Only code can be in a stack: data, heap and stack mappings are
		 * most of a process's list, and kept per process they add up. */
		if (parse_maps_line(line, &ml) || ml.perms[2] != 'x')
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
	if (!m->file || !m->file->tab || !m->file->tab->cfi ||
	    !file_vaddr(m->file->tab, addr - m->start + m->pgoff, vaddr))
		return -ENODATA;
	*cfi = m->file->tab->cfi;
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
		return f->tab && f->tab->frame_pointers;
	}
	return 0;
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
	if (!m) {
		u->unknown++;
		return 0;
	}
	out->module = m->module;
	out->map_start = m->start;
	out->map_end = m->end;
	out->map_pgoff = m->pgoff;
	if (m->file && m->file->tab && m->file->tab->build_id[0])
		out->build_id = m->file->tab->build_id;
	out->module_offset = addr - m->start + m->pgoff;
	if (m->file)
		out->name = usym_table_lookup(m->file->tab, out->module_offset, &out->offset);
	if (out->name)
		u->named++;
	else
		u->module_only++;
	return 0;
}

void usyms_stats(const struct usyms *u, uint64_t *named, uint64_t *module_only, uint64_t *unknown)
{
	*named = u->named;
	*module_only = u->module_only;
	*unknown = u->unknown;
}

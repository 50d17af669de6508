/* One ELF file's function symbols, PT_LOAD segments, build ID and (for
 * DWARF unwinding) .eh_frame: what usyms shares between every process
 * that maps the file. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "lib/core/sorted.h"
#include "lib/sym/cfi.h"
#include "lib/sym/elfsyms.h"
#include "lib/sym/inlines.h"

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
	char *debug_file;	/* where .symtab came from, when not the file itself */
	struct cfi_table *cfi;	/* .eh_frame, when unwinding wants it */
	struct inline_info *inl; /* DWARF of the file or its debug file, read at the first lookup */
	bool frame_pointers;	/* judged from cfi once, when it is loaded */
};

bool usym_elf_ready(void)
{
	static int state;

	if (!state)
		state = elf_version(EV_CURRENT) != EV_NONE ? 1 : -1;
	return state > 0;
}

/* Adds the first len bytes of name as the function s. */
static int add_fn(struct usym_table *t, const GElf_Sym *s, const char *name, size_t len, size_t *cap)
{
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
	memcpy(t->names + t->names_len, name, len);
	t->names[t->names_len + len] = '\0';
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
		/* A symbol without a size (_init) reaches at most to the end of
		 * its section, not over the PLT after it. */
		if (!s.st_size && s.st_shndx < SHN_LORESERVE) {
			GElf_Shdr ssh;
			Elf_Scn *sscn = elf_getscn(e, s.st_shndx);

			if (sscn && gelf_getshdr(sscn, &ssh) && s.st_value >= ssh.sh_addr &&
			    s.st_value < ssh.sh_addr + ssh.sh_size)
				s.st_size = ssh.sh_addr + ssh.sh_size - s.st_value;
		}
		/* A versioned definition ("__libc_start_main@@GLIBC_2.34" in a
		 * debug file's .symtab) by its name alone, as in .dynsym. */
		err = add_fn(t, &s, name, strcspn(name, "@"), &cap);
		if (err)
			return err;
	}
	return 0;
}

static Elf_Scn *find_named_section(Elf *e, const char *want, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	const char *name;

	if (elf_getshdrstrndx(e, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(e, scn)))
		if (gelf_getshdr(scn, sh) && (name = elf_strptr(e, shstrndx, sh->sh_name)) && !strcmp(name, want))
			return scn;
	return NULL;
}

/* PLT stubs as "NAME@plt", as perf names them: on x86-64 the stub of
 * .rela.plt's entry i is the i-th 16-byte entry of .plt.sec (IBT builds)
 * or else the (i+1)-th of .plt (entry 0 calls the resolver). */
static int load_plt(Elf *e, struct usym_table *t)
{
	GElf_Shdr rsh, psh, dsh;
	Elf_Scn *rscn = find_named_section(e, ".rela.plt", &rsh), *pscn, *dscn;
	Elf_Data *rd, *dd;
	GElf_Ehdr eh;
	size_t cap = t->nfns, n, first = 0;
	char name[256];
	int err = 0;

	if (!rscn || rsh.sh_type != SHT_RELA || !gelf_getehdr(e, &eh) || eh.e_machine != EM_X86_64)
		return 0;
	if (!(pscn = find_named_section(e, ".plt.sec", &psh))) {
		pscn = find_named_section(e, ".plt", &psh);
		first = 1;
	}
	dscn = elf_getscn(e, rsh.sh_link);
	if (!pscn || psh.sh_type == SHT_NOBITS || !dscn || !gelf_getshdr(dscn, &dsh) || !(rd = elf_getdata(rscn, NULL)) ||
	    !(dd = elf_getdata(dscn, NULL)) || !rsh.sh_entsize)
		return 0;
	n = rsh.sh_size / rsh.sh_entsize;
	for (size_t i = 0; i < n && !err && (i + first + 1) * 16 <= psh.sh_size; i++) {
		GElf_Rela r;
		GElf_Sym ds, stub = { 0 };
		const char *sym;

		if (!gelf_getrela(rd, (int)i, &r) || !GELF_R_SYM(r.r_info) ||
		    !gelf_getsym(dd, (int)GELF_R_SYM(r.r_info), &ds) || !(sym = elf_strptr(e, dsh.sh_link, ds.st_name)) ||
		    !*sym)
			continue;
		snprintf(name, sizeof(name), "%.*s@plt", (int)strcspn(sym, "@"), sym);
		stub.st_value = psh.sh_addr + (i + first) * 16;
		stub.st_size = 16;
		stub.st_info = GELF_ST_INFO(STB_LOCAL, STT_FUNC);
		err = add_fn(t, &stub, name, strlen(name), &cap);
	}
	return err;
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
static void read_build_id(Elf *e, char out[41])
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	out[0] = '\0';
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
				snprintf(out + 2 * i, 3, "%02x", desc[i]);
			return;
		}
	}
}

static void load_build_id(Elf *e, struct usym_table *t)
{
	read_build_id(e, t->build_id);
}

/* ---- separate debug files ---- */

/* The system's debug root, then --debug-dir's ("" when not given). Not an
 * initialised array: 8 KB of zeroes in the binary's data otherwise. */
static char extra_debug_dir[PATH_MAX];

static const char *debug_dir(int i)
{
	return i == 0 ? "/usr/lib/debug" : extra_debug_dir;
}

void usym_set_debug_dir(const char *extra)
{
	snprintf(extra_debug_dir, sizeof(extra_debug_dir), "%s", extra ? extra : "");
}

/* Inlined frames: with --inline (reading a debug file's DWARF costs its
 * decompressed size in memory: +9-11 MB for libc6-dbg, per tool). Each
 * file with debug info keeps
 * a descriptor open until the end (its process may be gone by the
 * report), so at most INLINE_FILES_MAX of them; the rest are counted. */
#define INLINE_FILES_MAX 256
static bool inlines_wanted;
static uint64_t inline_files, inline_over;

void usym_set_inlines(bool on)
{
	inlines_wanted = on;
}

void usym_inline_files(uint64_t *open, uint64_t *over)
{
	*open = inline_files;
	*over = inline_over;
}

/* Keeps fd (taken) as t's source of inlined frames when it has debug info
 * (inline_info_open checks: sections with contents, not a stripped copy's
 * SHT_NOBITS). True when no other file need be tried: kept, or over the
 * budget of open files (counted). */
static bool keep_inlines(struct usym_table *t, int fd)
{
	if (fd < 0)
		return false;
	if (inline_files >= INLINE_FILES_MAX) {
		inline_over++;
		close(fd);
		return true;
	}
	if (!(t->inl = inline_info_open(fd)))
		return false;
	inline_files++;
	return true;
}

/* .gnu_debuglink: the debug file's name and the CRC-32 of its contents. */
static bool read_debuglink(Elf *e, char *name, size_t len, uint32_t *crc)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstrndx;

	if (elf_getshdrstrndx(e, &shstrndx))
		return false;
	while ((scn = elf_nextscn(e, scn))) {
		const char *sname;
		Elf_Data *d;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || !(sname = elf_strptr(e, shstrndx, sh.sh_name)) ||
		    strcmp(sname, ".gnu_debuglink") || !(d = elf_getdata(scn, NULL)) || !d->d_size)
			continue;
		n = strnlen(d->d_buf, d->d_size);
		/* The name, NUL, padding to 4, then the CRC. */
		if (n == 0 || n >= len || ((n + 4) & ~3UL) + 4 > d->d_size || strchr(d->d_buf, '/'))
			return false;
		memcpy(name, d->d_buf, n + 1);
		memcpy(crc, (const char *)d->d_buf + ((n + 4) & ~3UL), 4);
		return true;
	}
	return false;
}

static uint32_t file_crc(int fd)
{
	unsigned char buf[65536];
	uLong crc = crc32(0L, Z_NULL, 0);
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, (uInt)n);
	return (uint32_t)crc;
}

/* Opens path as the debug file of a file with build ID want (or, without
 * one, debuglink CRC crc); NULL unless it is one. */
static Elf *open_debug(const char *path, const char *want, bool by_crc, uint32_t crc, int *fd)
{
	char got[41];
	Elf *e;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	if (by_crc && file_crc(*fd) != crc)
		goto fail;
	e = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		goto fail;
	read_build_id(e, got);
	if (elf_kind(e) == ELF_K_ELF && (by_crc ? (!*want || !strcmp(got, want)) : !strcmp(got, want)))
		return e;
	elf_end(e);
fail:
	close(*fd);
	*fd = -1;
	return NULL;
}

/* Room for a debug directory, a file's directory and a debuglink name. */
#define DEBUG_PATH_MAX (2 * PATH_MAX + 300)

/* The debug file of t (opened from path), as an ELF handle, or NULL;
 * its path in try (DEBUG_PATH_MAX bytes). */
static Elf *find_debug(Elf *e, const struct usym_table *t, const char *path, char *try, int *fd)
{
	char name[256], dir[PATH_MAX];
	uint32_t crc = 0;
	Elf *d;

	for (int i = 0; i < 2 && t->build_id[0]; i++) {
		if (!debug_dir(i)[0])
			continue;
		snprintf(try, DEBUG_PATH_MAX, "%s/.build-id/%.2s/%s.debug", debug_dir(i), t->build_id, t->build_id + 2);
		if ((d = open_debug(try, t->build_id, false, 0, fd))) {
			return d;
		}
	}
	if (!path || !read_debuglink(e, name, sizeof(name), &crc))
		return NULL;
	snprintf(dir, sizeof(dir), "%s", path);
	if (!strrchr(dir, '/'))
		return NULL;
	*strrchr(dir, '/') = '\0';
	for (int i = 0; i < 4; i++) {
		if (i == 0)
			snprintf(try, DEBUG_PATH_MAX, "%s/%s", dir, name);
		else if (i == 1)
			snprintf(try, DEBUG_PATH_MAX, "%s/.debug/%s", dir, name);
		else if (debug_dir(i - 2)[0])
			snprintf(try, DEBUG_PATH_MAX, "%s%s/%s", debug_dir(i - 2), dir, name);
		else
			continue;
		/* Not the file itself (its debuglink may name it). */
		if (!strcmp(try, path))
			continue;
		if ((d = open_debug(try, t->build_id, true, crc, fd))) {
			return d;
		}
	}
	return NULL;
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

/* fd: the file open (for its debug info), or -1 (the vDSO, from memory). */
static struct usym_table *table_from_elf(Elf *e, bool want_cfi, const char *path, int fd)
{
	struct usym_table *t;
	Elf_Scn *scn;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	size_t out = 0;
	bool want_inl;
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
	want_inl = inlines_wanted && fd >= 0;
	if (want_inl && keep_inlines(t, dup(fd)))
		want_inl = false;
	/* Stripped: the separate debug file's .symtab, when installed, names
	 * the static functions .dynsym lacks (libc's __new_sem_wait_slow64);
	 * its .debug_info, the calls inlined. */
	if (!err && (!t->nfns || want_inl) && path) {
		char found[DEBUG_PATH_MAX];
		int dfd = -1;
		Elf *d = find_debug(e, t, path, found, &dfd);
		GElf_Shdr dsh;
		Elf_Scn *dscn = d && !t->nfns ? find_section(d, SHT_SYMTAB, &dsh) : NULL;

		if (dscn && !(err = load_syms(d, dscn, &dsh, t)) && t->nfns)
			t->debug_file = strdup(found);
		if (d && want_inl) {
			keep_inlines(t, dfd);
			dfd = -1;
		}
		if (d)
			elf_end(d);
		if (dfd >= 0)
			close(dfd);
	}
	if (!err && !t->nfns) {
		scn = find_section(e, SHT_DYNSYM, &sh);
		if (scn)
			err = load_syms(e, scn, &sh, t);
	}
	if (!err)
		err = load_plt(e, t);
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

struct usym_table *usym_table_from_elf(Elf *e, bool want_cfi)
{
	return table_from_elf(e, want_cfi, NULL, -1);
}

struct usym_table *usym_table_open(int fd, bool want_cfi)
{
	return usym_table_open_path(fd, want_cfi, NULL);
}

struct usym_table *usym_table_open_path(int fd, bool want_cfi, const char *path)
{
	struct usym_table *t;
	struct stat st;
	Elf *e;

	if (!usym_elf_ready()) {
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
	/* The debug file is looked for by build ID even without a path. */
	t = table_from_elf(e, want_cfi, path ? path : "", fd);
	elf_end(e);
	return t;
}

struct usym_table *usym_table_load(int fd)
{
	return usym_table_open(fd, false);
}

void usym_table_free(struct usym_table *t)
{
	if (!t)
		return;
	cfi_table_free(t->cfi);
	inline_info_free(t->inl);
	free(t->debug_file);
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
bool usym_table_vaddr(const struct usym_table *t, uint64_t file_off, uint64_t *vaddr)
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

	if (!t || !usym_table_vaddr(t, file_off, &vaddr))
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

size_t usym_table_bytes(const struct usym_table *t)
{
	if (!t)
		return 0;
	return sizeof(*t) + t->nfns * sizeof(*t->fns) + t->names_cap + t->nsegs * sizeof(*t->segs) +
	       cfi_table_bytes(t->cfi) + inline_info_bytes(t->inl);
}

int usym_table_inlines(struct usym_table *t, uint64_t vaddr, const char **names, int max)
{
	return t && t->inl ? inline_info_at(t->inl, vaddr, names, max) : 0;
}

const char *usym_table_debug_file(const struct usym_table *t)
{
	return t ? t->debug_file : NULL;
}

bool usym_table_file_offset(const struct usym_table *t, uint64_t vaddr, uint64_t *file_off)
{
	for (size_t i = 0; t && i < t->nsegs; i++) {
		if (vaddr >= t->segs[i].vaddr && vaddr - t->segs[i].vaddr < t->segs[i].filesz) {
			*file_off = vaddr - t->segs[i].vaddr + t->segs[i].off;
			return true;
		}
	}
	return false;
}

const char *usym_table_build_id(const struct usym_table *t)
{
	return t && t->build_id[0] ? t->build_id : NULL;
}

const struct cfi_table *usym_table_cfi(const struct usym_table *t)
{
	return t ? t->cfi : NULL;
}

bool usym_table_frame_pointers(const struct usym_table *t)
{
	return t && t->frame_pointers;
}

/* CPython 3.11: where the interpreter's runtime is, and the names of the
 * code objects BPF found in a thread's frames. Offsets are those of 3.11's
 * headers (the same in 3.11.2 and 3.11.7, checked against both); newer
 * versions publish _Py_DebugOffsets and need a table of their own. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "lib/core/hashmap.h"
#include "lib/core/interner.h"
#include "lib/sym/procmaps.h"
#include "lib/sym/python.h"

/* One CPython minor version's layout, x86-64: what BPF follows, and the
 * code object and str fields read here. From each version's own headers
 * (3.11.2 and 3.11.7, 3.12.1, 3.13.0 checked); a free-threaded build
 * (3.13t) is laid out otherwise and not known. */
struct py_layout {
	uint32_t minor;
	struct py_offsets off;
	uint16_t code_filename, code_qualname; /* PyCodeObject */
	uint16_t str_data, str_utf8;	       /* sizeof(PyASCIIObject), PyCompactUnicodeObject.utf8 */
};

static const struct py_layout layouts[] = {
	{ 11, { .runtime_interp_head = 40, .interp_threads_head = 16, .tstate_next = 8, .tstate_native_tid = 160,
		.tstate_frame = 56, .cframe_current = 8, .frame_code = 32, .frame_previous = 48, .frame_owner = 69,
		.frame_is_entry = 68, .code_firstlineno = 72 },
	  112, 128, 48, 56 },
	{ 12, { .runtime_interp_head = 40, .interp_threads_head = 72, .tstate_next = 8, .tstate_native_tid = 144,
		.tstate_frame = 56, .cframe_current = 0, .frame_code = 0, .frame_previous = 8, .frame_owner = 70,
		.frame_is_entry = PY_NO_OFFSET, .code_firstlineno = 68 },
	  112, 128, 40, 48 },
	{ 13, { .runtime_interp_head = 632, .interp_threads_head = 7344, .tstate_next = 8, .tstate_native_tid = 160,
		.tstate_frame = 72, .cframe_current = PY_NO_OFFSET, .frame_code = 0, .frame_previous = 8,
		.frame_owner = 70, .frame_is_entry = PY_NO_OFFSET, .code_firstlineno = 68 },
	  112, 128, 40, 48 },
};

static const struct py_layout *layout_of(uint32_t version)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (version >> 24 == 3 && ((version >> 16) & 0xff) == layouts[i].minor)
			return &layouts[i];
	return NULL;
}

#define CODE_READ 136
#define STR_LENGTH 16
#define STR_STATE 32
#define STR_MAX 256

struct code_key {
	uint32_t pid, gen;
	uint64_t code;
	uint64_t line;
};

struct code_val {
	const char *name; /* "module.qualname (file.py:LINE)", interned; NULL: unreadable */
};

struct pysyms {
	struct sre_map codes; /* struct code_key -> struct code_val */
	struct sre_map procs; /* (pid, gen) -> its layout */
	struct sre_interner names;
	uint64_t named, unread, read;
};

struct pysyms *pysyms_new(void)
{
	struct pysyms *py = calloc(1, sizeof(*py));

	if (!py)
		return NULL;
	sre_map_init(&py->codes, sizeof(struct code_key), sizeof(struct code_val), NULL, NULL);
	sre_map_init(&py->procs, 2 * sizeof(uint32_t), sizeof(const struct py_layout *), NULL, NULL);
	sre_interner_init(&py->names);
	return py;
}

void pysyms_free(struct pysyms *py)
{
	if (!py)
		return;
	sre_map_free(&py->codes);
	sre_map_free(&py->procs);
	sre_interner_free(&py->names);
	free(py);
}

static bool read_mem(uint32_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };

	return addr && process_vm_readv((pid_t)pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/* ---- finding the interpreter ---- */

/* python3.11, libpython3.11.so.1.0, python3 (a link's target is named). */
static bool python_file(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "python3", 7) || !strncmp(base, "libpython3", 10);
}

/* The values of _PyRuntime and Py_Version in the ELF open at fd. */
static bool find_symbols(int fd, uint64_t *runtime, uint64_t *version, uint64_t *first_vaddr)
{
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Phdr ph;
	size_t nph;

	*runtime = *version = 0;
	*first_vaddr = UINT64_MAX;
	if (!e)
		return false;
	if (!elf_getphdrnum(e, &nph))
		for (size_t i = 0; i < nph; i++)
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_offset == 0)
				*first_vaddr = ph.p_vaddr;
	while ((scn = elf_nextscn(e, scn)) && !(*runtime && *version)) {
		Elf_Data *d;
		GElf_Sym s;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB) ||
		    !(d = elf_getdata(scn, NULL)) || !sh.sh_entsize)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			const char *name;

			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
			    !(name = elf_strptr(e, sh.sh_link, s.st_name)))
				continue;
			if (!strcmp(name, "_PyRuntime"))
				*runtime = s.st_value;
			else if (!strcmp(name, "Py_Version"))
				*version = s.st_value;
		}
	}
	elf_end(e);
	return *runtime && *first_vaddr != UINT64_MAX;
}

int pysyms_detect(struct pysyms *py, uint32_t pid, uint32_t gen, struct py_proc *out, uint32_t *version)
{
	char path[64], *text = NULL, *line, *next;
	struct sre_maps_line ml;
	const struct py_layout *layout;
	int found = 0;

	*version = 0;
	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	if (elf_version(EV_CURRENT) == EV_NONE || sre_read_text(path, &text))
		return 0;
	for (line = text; *line && !found; line = next) {
		uint64_t runtime, version_at, first, bias, v = 0;
		int fd;

		next = strchrnul(line, '\n');
		if (*next)
			*next++ = 0;
		if (sre_parse_maps_line(line, &ml) || ml.pgoff || !ml.path[0] || !python_file(ml.path))
			continue;
		fd = sre_open_mapped(pid, &ml, ml.path, strlen(ml.path), strstr(ml.path, " (deleted)") != NULL);
		if (fd < 0)
			continue;
		if (find_symbols(fd, &runtime, &version_at, &first)) {
			/* The file's first byte is mapped at ml.start: its load bias. */
			bias = ml.start - first;
			if (version_at && read_mem(pid, bias + version_at, &v, sizeof(v)))
				*version = (uint32_t)v;
			layout = layout_of(*version);
			found = layout ? 1 : -ENOTSUP;
			if (layout) {
				uint32_t key[2] = { pid, gen };
				const struct py_layout **slot = sre_map_put(&py->procs, key, NULL);

				if (slot)
					*slot = layout;
				memset(out, 0, sizeof(*out));
				out->gen = gen;
				out->version = *version;
				out->runtime = bias + runtime;
				out->off = layout->off;
			}
		}
		close(fd);
	}
	free(text);
	return found;
}

/* ---- naming code objects ---- */

/* A str object's text (ASCII, or its cached UTF-8), into buf; false if unreadable. */
static bool read_str(const struct py_layout *l, uint32_t pid, uint64_t obj, char *buf, size_t len)
{
	uint8_t head[64];
	uint64_t n, data, state;

	if (!read_mem(pid, obj, head, sizeof(head)))
		return false;
	memcpy(&n, head + STR_LENGTH, sizeof(n));
	state = head[STR_STATE];
	/* state: interned:2 kind:3 compact:1 ascii:1. Compact ASCII text
	 * follows the header; other strings are read through their UTF-8
	 * copy, when one was made. */
	if ((state & (1 << 5)) && (state & (1 << 6))) {
		data = obj + l->str_data;
	} else {
		memcpy(&data, head + l->str_utf8, sizeof(data));
		if (!data)
			return false;
	}
	if (n >= len)
		n = len - 1;
	if (!read_mem(pid, data, buf, n))
		return false;
	buf[n] = '\0';
	return true;
}

static const char *read_code(struct pysyms *py, const struct py_layout *l, uint32_t pid, uint64_t code,
			     uint64_t want_line)
{
	uint8_t c[CODE_READ];
	uint64_t filename, qualname;
	int32_t line;
	char file[STR_MAX], qual[STR_MAX], out[3 * STR_MAX];
	const char *base, *dot;

	if (!read_mem(pid, code, c, sizeof(c)))
		return NULL;
	memcpy(&line, c + l->off.code_firstlineno, sizeof(line));
	/* Freed and reused since the sample: another code object now. */
	if ((uint64_t)(line > 0 ? (line < (int32_t)PY_FRAME_LINE_MAX ? line : (int32_t)PY_FRAME_LINE_MAX) : 0) != want_line)
		return NULL;
	memcpy(&filename, c + l->code_filename, sizeof(filename));
	memcpy(&qualname, c + l->code_qualname, sizeof(qualname));
	if (!read_str(l, pid, qualname, qual, sizeof(qual)) || !read_str(l, pid, filename, file, sizeof(file)))
		return NULL;
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	dot = strrchr(base, '.');
	/* The module is the file's name: burn.py's hot() is burn.hot. */
	if (dot && !strcmp(dot, ".py"))
		snprintf(out, sizeof(out), "%.*s.%s (%s:%d)", (int)(dot - base), base, qual, base, line);
	else
		snprintf(out, sizeof(out), "%s (%s:%d)", qual, base, line);
	return sre_intern(&py->names, out);
}

int pysyms_normalize(uint64_t *frames, int n)
{
	int out = 0;

	for (int i = 0; i < n; i++) {
		if (frames[i] == PY_FRAME_SHIM) {
			if (out)
				frames[out - 1] |= PY_FRAME_ENTRY;
			continue;
		}
		frames[out++] = frames[i];
	}
	return out;
}

void pysyms_read(struct pysyms *py, uint32_t pid, uint32_t gen, const uint64_t *frames, int n)
{
	uint32_t key[2] = { pid, gen };
	const struct py_layout *const *l = sre_map_get(&py->procs, key);

	for (int i = 0; l && i < n; i++) {
		struct code_key k = { pid, gen, frames[i] & PY_FRAME_CODE_MASK, PY_FRAME_LINE(frames[i]) };
		struct code_val *v;
		bool added;

		if (!k.code || sre_map_get(&py->codes, &k) || !(v = sre_map_put(&py->codes, &k, &added)))
			continue;
		v->name = read_code(py, *l, pid, k.code, k.line);
		py->read++;
	}
}

void pysyms_name(struct pysyms *py, uint32_t pid, uint32_t gen, uint64_t frame, char *buf, size_t len)
{
	struct code_key k = { pid, gen, frame & PY_FRAME_CODE_MASK, PY_FRAME_LINE(frame) };
	const struct code_val *v = sre_map_get(&py->codes, &k);

	if (v && v->name) {
		snprintf(buf, len, "%s", v->name);
		py->named++;
	} else {
		snprintf(buf, len, "[python]");
		py->unread++;
	}
}

void pysyms_stats(const struct pysyms *py, uint64_t *named, uint64_t *unread, uint64_t *codes)
{
	*named = py ? py->named : 0;
	*unread = py ? py->unread : 0;
	*codes = py ? py->read : 0;
}

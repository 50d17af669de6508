#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/sym/elfsyms.h"
#include "lib/sym/ksyms.h"
#include "lib/sym/python.h"
#include "lib/sym/symbolizer.h"
#include "lib/sym/usyms.h"

void sre_symbolizer_init(struct sre_symbolizer *sym, bool kernel, bool user)
{
	memset(sym, 0, sizeof(*sym));
	sym->kernel_wanted = kernel;
	if (user) {
		sym->usyms = usyms_new();
		sym->py = pysyms_new();
	}
	if ((sym->demangler = calloc(1, sizeof(*sym->demangler))))
		sre_demangler_init(sym->demangler);
}

void sre_symbolizer_keep_mangled(struct sre_symbolizer *sym)
{
	if (sym->demangler)
		sre_demangler_free(sym->demangler);
	free(sym->demangler);
	sym->demangler = NULL;
}

void sre_symbolizer_free(struct sre_symbolizer *sym)
{
	if (sym->ksyms)
		ksyms_free(sym->ksyms);
	if (sym->usyms)
		usyms_free(sym->usyms);
	pysyms_free(sym->py);
	sre_symbolizer_keep_mangled(sym);
	memset(sym, 0, sizeof(*sym));
}

void sre_symbolizer_load_kernel(struct sre_symbolizer *sym)
{
	if (sym->kernel_wanted && !sym->ksyms)
		sym->ksyms = ksyms_load();
}

void sre_symbolizer_kernel_name(const struct sre_symbolizer *sym, uint64_t ip, char *buf, size_t len)
{
	uint64_t off;
	const char *name = sym->ksyms ? ksyms_lookup(sym->ksyms, ip, &off) : NULL;

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "0x%" PRIx64, ip);
}

void sre_symbolizer_user_name(const struct sre_symbolizer *sym, uint32_t tgid, uint32_t gen, uint64_t ip, char *buf,
			      size_t len)
{
	struct usym u;

	if (sym->usyms && !usyms_resolve(sym->usyms, tgid, gen, ip, &u)) {
		if (u.name) {
			snprintf(buf, len, "%s", sym->demangler ? sre_demangle(sym->demangler, u.name) : u.name);
			return;
		}
		if (u.module) {
			snprintf(buf, len, "%s+0x%" PRIx64, u.module, u.module_offset);
			return;
		}
	}
	snprintf(buf, len, "[unknown]");
}

int sre_symbolizer_user_frames(const struct sre_symbolizer *sym, uint32_t tgid, uint32_t gen, uint64_t ip, bool leaf,
			       char (*bufs)[SRE_FRAME_NAME_MAX], int max)
{
	const char *inl[SRE_INLINE_MAX];
	int n = 0, got;

	if (max <= 0)
		return 0;
	/* A caller's frame holds the return address, which may already be
	 * past the inlined call it came from: look up the call itself. */
	got = sym->usyms ? usyms_inlines(sym->usyms, tgid, gen, leaf ? ip : ip - 1, inl, SRE_INLINE_MAX) : 0;
	for (int i = 0; i < got && n < max - 1; i++) {
		if (!inl[i][0])
			continue;
		snprintf(bufs[n++], SRE_FRAME_NAME_MAX, "%s" SRE_INLINED_SUFFIX,
			 sym->demangler ? sre_demangle(sym->demangler, inl[i]) : inl[i]);
	}
	sre_symbolizer_user_name(sym, tgid, gen, ip, bufs[n++], SRE_FRAME_NAME_MAX);
	return n;
}

bool sre_frame_is_inlined(const char *name)
{
	size_t len = strlen(name), n = sizeof(SRE_INLINED_SUFFIX) - 1;

	return len >= n && !strcmp(name + len - n, SRE_INLINED_SUFFIX);
}

void sre_symbolizer_summary(const struct sre_symbolizer *sym, const char *tool, uint64_t procs_gone)
{
	uint64_t named, jit, module_only, unknown, files, bytes, debug, over, inl_files, inl_over, inl_frames, inl_bytes;
	uint64_t py_named, py_unread, py_codes;

	if (!sym->usyms)
		return;
	usyms_files(sym->usyms, &files, &bytes, &debug, &over);
	fprintf(stderr, "%s: symbols of %" PRIu64 " files loaded (%.1f MB; %" PRIu64 " named from debug files), %" PRIu64
			" not loaded over the cap\n", tool, files, (double)bytes / 1e6, debug, over);
	usym_inline_files(&inl_files, &inl_over);
	usyms_inline_stats(sym->usyms, &inl_frames, &inl_bytes);
	fprintf(stderr, "%s: inlined frames: %" PRIu64 " named from the debug info of %" PRIu64 " files (%.1f MB read)%s\n",
		tool, inl_frames, inl_files, (double)inl_bytes / 1e6, inl_over ? ", files past the cap not read" : "");
	pysyms_stats(sym->py, &py_named, &py_unread, &py_codes);
	if (py_named || py_unread)
		fprintf(stderr, "%s: Python frames: %" PRIu64 " named from %" PRIu64 " code objects, %" PRIu64
				" unnamed (code object not read before the process ended)\n",
			tool, py_named, py_codes, py_unread);
	usyms_stats(sym->usyms, &named, &jit, &module_only, &unknown);
	fprintf(stderr, "%s: user frames: %" PRIu64 " named (%" PRIu64 " from perf maps), %" PRIu64
			" module+offset or JIT region, %" PRIu64
			" unknown; %" PRIu64 " processes gone before their maps were read, %" PRIu64
			" ended ones dropped (cap)\n",
		tool, named, jit, module_only, unknown, procs_gone, usyms_evicted(sym->usyms));
}

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libiberty/demangle.h>
#include "lib/sym/demangle.h"

void sre_demangler_init(struct sre_demangler *d)
{
	sre_map_init(&d->done, sizeof(const char *), sizeof(const char *), NULL, NULL);
	sre_interner_init(&d->names);
	d->ready = true;
}

void sre_demangler_free(struct sre_demangler *d)
{
	if (!d->ready)
		return;
	sre_map_free(&d->done);
	sre_interner_free(&d->names);
	d->ready = false;
}

char *sre_demangle_alloc(const char *name)
{
	/* Itanium names start _Z (also __Z, _GLOBAL__ for constructors), Rust
	 * v0 names _R; legacy Rust names are Itanium-shaped. c++filt's flags. */
	if (strncmp(name, "_Z", 2) && strncmp(name, "__Z", 3) && strncmp(name, "_R", 2) &&
	    strncmp(name, "_GLOBAL_", 8))
		return NULL;
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_VERBOSE);
}

/* A PLT stub's name ("_ZN...@plt"): the function's, demangled, then @plt. */
static char *demangle_plt(const char *name)
{
	size_t len = strlen(name);
	char *base, *d, *out = NULL;

	if (len < 5 || strcmp(name + len - 4, "@plt") || !(base = strndup(name, len - 4)))
		return NULL;
	if ((d = sre_demangle_alloc(base)) && (out = malloc(strlen(d) + 5)))
		strcat(strcpy(out, d), "@plt");
	free(d);
	free(base);
	return out;
}

const char *sre_demangle(struct sre_demangler *d, const char *name)
{
	const char **slot;
	char *out;
	bool added;

	if (!d || !d->ready || !name)
		return name;
	slot = sre_map_put(&d->done, &name, &added);
	if (!slot)
		return name;
	if (!added)
		return *slot;
	out = sre_demangle_alloc(name);
	if (!out)
		out = demangle_plt(name);
	*slot = out ? sre_intern(&d->names, out) : name;
	if (!*slot)
		*slot = name;
	free(out);
	return *slot;
}

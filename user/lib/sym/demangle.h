/* C++ (Itanium ABI) and Rust (legacy and v0) names demangled as c++filt
 * prints them: by binutils' own demangler (libiberty, Debian's
 * libiberty-dev, linked statically: ~100 KB). Written by hand it would be
 * thousands of lines that drift from c++filt; this is c++filt's code. */
#ifndef SRE_DEMANGLE_H
#define SRE_DEMANGLE_H

#include <stdbool.h>
#include "lib/core/hashmap.h"
#include "lib/core/interner.h"

struct sre_demangler {
	struct sre_map done;     /* mangled name (its pointer) -> demangled, or itself */
	struct sre_interner names;
	bool ready;
};

void sre_demangler_init(struct sre_demangler *d);
void sre_demangler_free(struct sre_demangler *d);
/* name demangled, or name itself when it is not a mangled C++ or Rust
 * name (or cannot be demangled). name must stay valid and unchanged
 * while d lives (symbol tables and interned strings do): results are
 * remembered by its address. */
const char *sre_demangle(struct sre_demangler *d, const char *name);
/* Without a cache, into a new string the caller frees; NULL when name is
 * not mangled (tests, one-off uses). */
char *sre_demangle_alloc(const char *name);

#endif

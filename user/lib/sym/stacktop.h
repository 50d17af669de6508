/* The outermost frames of a process's main thread (_start, the C library's
 * start-up code, up to the call of main) never change while it runs, but a
 * frame-pointer walk cannot pass them: the C library keeps no frame
 * pointers there, so the walk of a program built with them stops at main's
 * return address, while a full DWARF unwind reaches _start. One code path
 * then had two roots. They are read once per process from the top of its
 * live stack (/proc/PID/mem below the startstack of /proc/PID/stat; read
 * only) and unwound with CFI, so a walk that ends there is completed. */
#ifndef SRE_STACKTOP_H
#define SRE_STACKTOP_H

#include <stdint.h>
#include "lib/core/hashmap.h"

struct usyms;

struct sre_stacktop {
	struct sre_map outer; /* (pid, gen, return address) -> the frames beyond it */
	uint64_t completed;   /* chains completed so */
};

void sre_stacktop_init(struct sre_stacktop *t);
void sre_stacktop_free(struct sre_stacktop *t);
/* Appends to ips[0..n) the frames beyond its last one, when that last one
 * is a return address found at the top of (pid, gen)'s stack; returns the
 * new count (at most max). */
int sre_stacktop_complete(struct sre_stacktop *t, const struct usyms *u, uint32_t pid, uint32_t gen, uint64_t *ips,
			  int n, int max);

#endif

/* CPython: finding a process's interpreter (for BPF to read its frames,
 * bpf/python.h) and naming the frames BPF read, from their code objects,
 * read from the process while it lives and remembered after. */
#ifndef SRE_PYTHON_H
#define SRE_PYTHON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "bpf/python.h"

struct pysyms;

/* NULL with errno set. */
struct pysyms *pysyms_new(void);
void pysyms_free(struct pysyms *py);

/* Whether (pid, gen) runs CPython (the executable or a libpython mapped,
 * with _PyRuntime and Py_Version among its symbols): 1 with *out filled
 * for BPF and the layout remembered for its code objects, 0 when it does
 * not, -ENOTSUP for a version this reader does not know (*version set:
 * PY_VERSION_HEX, 0 for one older than 3.11, which has no Py_Version). */
int pysyms_detect(struct pysyms *py, uint32_t pid, uint32_t gen, struct py_proc *out, uint32_t *version);

/* Turns the shim frames of 3.12+ into entry marks on the frame inside
 * each (bpf/python.h), in place; returns how many frames are left. */
int pysyms_normalize(uint64_t *frames, int n);
/* Reads, from (pid, gen)'s memory, the code objects of n stored frames
 * (bpf/python.h) not read before. */
void pysyms_read(struct pysyms *py, uint32_t pid, uint32_t gen, const uint64_t *frames, int n);
/* A stored frame's name: "module.qualname (file.py:DEFLINE)", or
 * "[python]" when its code object could not be read. */
void pysyms_name(struct pysyms *py, uint32_t pid, uint32_t gen, uint64_t frame, char *buf, size_t len);
/* Frames named, frames whose code object was never read, code objects read. */
void pysyms_stats(const struct pysyms *py, uint64_t *named, uint64_t *unread, uint64_t *codes);

/* The function that runs Python frames: the C frames Python frames stand for. */
#define PY_EVAL_FUNCTION "_PyEval_EvalFrameDefault"

#endif

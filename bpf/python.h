/* CPython frames read in BPF (profile): where a process's interpreter
 * keeps each thread's frames, found by userspace (user/lib/sym/python.c)
 * from the binary's symbols, and how frames are stored. Since 3.11 Python
 * frames live on the interpreter's own data stack, not the C stack, so
 * they are read from the thread's state at sample time. */
#ifndef SRETRACE_PYTHON_H
#define SRETRACE_PYTHON_H

#define STACK_KIND_PYTHON 3
/* Thread states searched for the sampled thread (then cached per thread). */
#define PY_MAX_THREADS 256
#define PY_MAX_PROCS 4096

/* Offsets into one CPython version's structures (user/lib/sym/python.c). */
struct py_offsets {
	__u16 runtime_interp_head; /* _PyRuntimeState.interpreters.head */
	__u16 interp_threads_head; /* PyInterpreterState.threads.head */
	__u16 tstate_next;	   /* PyThreadState.next */
	__u16 tstate_native_tid;   /* PyThreadState.native_thread_id */
	__u16 tstate_frame;	   /* PyThreadState.cframe (3.11, 3.12), .current_frame (3.13) */
	__u16 cframe_current;	   /* _PyCFrame.current_frame; PY_NO_OFFSET: no cframe (3.13) */
	__u16 frame_code;	   /* _PyInterpreterFrame.f_code (.f_executable in 3.13) */
	__u16 frame_previous;	   /* _PyInterpreterFrame.previous */
	__u16 frame_owner;	   /* _PyInterpreterFrame.owner */
	__u16 frame_is_entry;	   /* _PyInterpreterFrame.is_entry (3.11); PY_NO_OFFSET: a C call of
				    * the interpreter starts at a shim frame the C stack owns (3.12+) */
	__u16 code_firstlineno;	   /* PyCodeObject.co_firstlineno */
	__u16 pad;
};
#define PY_NO_OFFSET 0xffff
#define PY_FRAME_OWNED_BY_CSTACK 3

/* py_procs value: a Python process (address space gen) and its runtime. */
struct py_proc {
	__u32 gen;
	__u32 version; /* PY_VERSION_HEX */
	__u64 runtime; /* address of _PyRuntime */
	struct py_offsets off;
};

/* A stored frame: its code object's address, the line the code object
 * starts at (capped; it tells apart code objects that one address held
 * at different times) and whether it is the first frame its C call of
 * the interpreter runs (the frames of one _PyEval_EvalFrameDefault call
 * end at an entry frame). */
#define PY_FRAME_ENTRY (1ULL << 63)
#define PY_FRAME_LINE_SHIFT 48
#define PY_FRAME_LINE_MAX 0x7fffULL
#define PY_FRAME_CODE_MASK ((1ULL << 48) - 1)
#define PY_FRAME_LINE(f) (((f) >> PY_FRAME_LINE_SHIFT) & PY_FRAME_LINE_MAX)
/* 3.12+: the shim frame a C call of the interpreter starts with, stored as
 * is: the Python frame inside it (stored just before) is that call's
 * first (pysyms_normalize). */
#define PY_FRAME_SHIM PY_FRAME_ENTRY

#endif

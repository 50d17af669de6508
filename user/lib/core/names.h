/* Syscall and errno names, from tables generated at build time. */
#ifndef SRE_NAMES_H
#define SRE_NAMES_H

struct sre_name {
	const char *name;
	int value;
};

extern const struct sre_name sre_syscall_table[];
extern const unsigned int sre_syscall_count;
extern const struct sre_name sre_errno_table[];
extern const unsigned int sre_errno_count;

/* Name of syscall nr, or NULL. */
const char *sre_syscall_name(int nr);
/* Number of syscall NAME ("read" or "sys_read"), or -1. */
int sre_syscall_number(const char *name);
const char *sre_errno_name(int err);
/* Accepts "ENOENT" or "enoent" or a number; -1 if unknown. */
int sre_errno_number(const char *name);

#endif

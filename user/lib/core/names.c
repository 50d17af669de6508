#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/core/names.h"

static const char *name_of(const struct sre_name *t, unsigned int n, int value)
{
	for (unsigned int i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return NULL;
}

static int value_of(const struct sre_name *t, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcasecmp(t[i].name, name))
			return t[i].value;
	return -1;
}

const char *sre_syscall_name(int nr)
{
	return name_of(sre_syscall_table, sre_syscall_count, nr);
}

int sre_syscall_number(const char *name)
{
	if (!strncmp(name, "sys_", 4))
		name += 4;
	return value_of(sre_syscall_table, sre_syscall_count, name);
}

const char *sre_errno_name(int err)
{
	return name_of(sre_errno_table, sre_errno_count, err);
}

int sre_errno_number(const char *name)
{
	char *end;
	long v = strtol(name, &end, 10);

	if (*name && !*end)
		return name_of(sre_errno_table, sre_errno_count, (int)v) ? (int)v : -1;
	return value_of(sre_errno_table, sre_errno_count, name);
}

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "triage/services.h"

#define COMM_LEN 16

struct sre_service_entry {
	uint32_t root;
};

void sre_services_init(struct sre_services *s)
{
	sre_map_init(&s->by_pid, sizeof(uint32_t), sizeof(struct sre_service_entry), NULL, NULL);
	sre_map_init(&s->by_comm, COMM_LEN, sizeof(struct sre_service_entry), NULL, NULL);
	s->proc_root = "/proc";
}

void sre_services_free(struct sre_services *s)
{
	sre_map_free(&s->by_pid);
	sre_map_free(&s->by_comm);
}

/* The executable's path; false for kernel threads and exited processes. */
static bool exe_of(const struct sre_services *s, uint32_t pid, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/exe", s->proc_root, pid);
	n = readlink(path, buf, len - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* The parent's pid and the comm from /proc/PID/stat ("pid (comm) S ppid";
 * the comm may hold spaces and parens, so the last paren ends it). */
static uint32_t parent_of(const struct sre_services *s, uint32_t pid, char comm[COMM_LEN])
{
	char path[PATH_MAX], line[512], *open, *close;
	unsigned int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u/stat", s->proc_root, pid);
	if (!(f = fopen(path, "r")))
		return 0;
	close = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	open = close ? strchr(line, '(') : NULL;
	if (!open || sscanf(close + 1, " %*c %u", &ppid) != 1)
		return 0;
	if (comm) {
		memset(comm, 0, COMM_LEN);
		memcpy(comm, open + 1, (size_t)(close - open - 1) < COMM_LEN - 1 ? (size_t)(close - open - 1) : COMM_LEN - 1);
	}
	return ppid;
}

/* Reads tgid's service from /proc; false when it is gone. */
static bool read_service(struct sre_services *s, uint32_t tgid, uint32_t *root)
{
	char exe[PATH_MAX], up[PATH_MAX], comm[COMM_LEN];
	struct sre_service_entry *e;
	uint32_t parent;

	*root = tgid;
	if (!parent_of(s, tgid, comm) && !exe_of(s, tgid, exe, sizeof(exe)))
		return false;
	if (exe_of(s, tgid, exe, sizeof(exe))) {
		/* Bounded: a parent chain is short, but /proc changes under us. */
		for (int depth = 0; depth < 64; depth++) {
			parent = parent_of(s, *root, NULL);
			if (parent <= 1 || !exe_of(s, parent, up, sizeof(up)) || strcmp(up, exe))
				break;
			*root = parent;
		}
		/* Names of processes that share a service, for those gone
		 * before they were read. */
		if (*root != tgid && (e = sre_map_put(&s->by_comm, comm, NULL)))
			e->root = *root;
	}
	return true;
}

uint32_t sre_service_of(struct sre_services *s, uint32_t tgid, const char *comm)
{
	struct sre_service_entry *e;
	char key[COMM_LEN] = { 0 };
	uint32_t root;

	if (!s || !tgid)
		return tgid;
	e = sre_map_get(&s->by_pid, &tgid);
	if (e)
		return e->root;
	if (!read_service(s, tgid, &root) && comm) {
		strncpy(key, comm, COMM_LEN - 1);
		e = sre_map_get(&s->by_comm, key);
		root = e ? e->root : tgid;
	}
	e = sre_map_put(&s->by_pid, &tgid, NULL);
	if (e)
		e->root = root;
	return root;
}

void sre_services_scan(struct sre_services *s)
{
	DIR *dir = opendir(s->proc_root);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (isdigit((unsigned char)de->d_name[0]) && !*end && pid && pid <= UINT32_MAX)
			sre_service_of(s, (uint32_t)pid, NULL);
	}
	closedir(dir);
}

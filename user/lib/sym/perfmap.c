#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "lib/core/interner.h"
#include "lib/core/sorted.h"
#include "lib/sym/perfmap.h"

#define PERFMAP_MAX_ENTRIES (1 << 22)
#define PERFMAP_RECHECK_NS 100000000LL

struct perfmap_entry {
	uint64_t start, end;
	const char *name;
	uint32_t line; /* later lines win */
};

struct perfmap {
	struct sre_interner *pool;
	struct perfmap_entry *e;
	size_t n;
	off_t size;          /* of the file when read */
	struct timespec mtime;
	long long checked_ns; /* last look at the file */
	uint64_t malformed;
};

struct perfmap *perfmap_new(struct sre_interner *pool)
{
	struct perfmap *m = calloc(1, sizeof(*m));

	if (m)
		m->pool = pool;
	return m;
}

void perfmap_free(struct perfmap *m)
{
	if (!m)
		return;
	free(m->e);
	free(m);
}

static bool hex_field(const char **p, uint64_t *v)
{
	char *end;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (!isxdigit((unsigned char)**p))
		return false;
	errno = 0;
	*v = strtoull(*p, &end, 16); /* takes a 0x prefix too */
	if (errno || end == *p || (*end != ' ' && *end != '\t'))
		return false;
	*p = end;
	return true;
}

bool perfmap_parse_line(const char *line, uint64_t *start, uint64_t *size, const char **name, int *name_len)
{
	const char *p = line, *end;

	if (!hex_field(&p, start) || !hex_field(&p, size) || !*size || *start + *size < *start)
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strcspn(p, "\r\n");
	if (end == p)
		return false;
	*name = p;
	*name_len = (int)(end - p);
	return true;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct perfmap_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->line > y->line ? -1 : x->line < y->line; /* the latest first */
}

/* The pid process pid has in its own pid namespace (NSpid's last field). */
static uint32_t namespace_pid(uint32_t pid)
{
	char path[64], line[256];
	uint32_t ns = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	if (!(f = fopen(path, "r")))
		return pid;
	while (fgets(line, sizeof(line), f)) {
		char *p, *last = NULL;

		if (strncmp(line, "NSpid:", 6))
			continue;
		for (p = strtok(line + 6, " \t\n"); p; p = strtok(NULL, " \t\n"))
			last = p;
		if (last)
			ns = (uint32_t)strtoul(last, NULL, 10);
		break;
	}
	fclose(f);
	return ns;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int read_map(struct perfmap *m, FILE *f)
{
	struct perfmap_entry *e = NULL, *grown;
	size_t n = 0, cap = 0, kept = 0;
	char *line = NULL;
	size_t len = 0;
	uint32_t no = 0;

	m->malformed = 0;
	while (getline(&line, &len, f) > 0 && n < PERFMAP_MAX_ENTRIES) {
		uint64_t start, size;
		const char *name;
		int name_len;

		no++;
		if (!perfmap_parse_line(line, &start, &size, &name, &name_len)) {
			m->malformed++;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if (!(grown = realloc(e, cap * sizeof(*e)))) {
				free(line);
				free(e);
				return -ENOMEM;
			}
			e = grown;
		}
		e[n] = (struct perfmap_entry){ start, start + size, sre_intern_n(m->pool, name, (size_t)name_len), no };
		if (e[n].name)
			n++;
	}
	free(line);
	/* Sorted by start; of entries at one start only the latest stays. */
	if (n)
		qsort(e, n, sizeof(*e), cmp_entry);
	for (size_t i = 0; i < n; i++)
		if (!kept || e[kept - 1].start != e[i].start)
			e[kept++] = e[i];
	free(m->e);
	m->e = e;
	m->n = kept;
	return 0;
}

int perfmap_refresh(struct perfmap *m, uint32_t pid)
{
	char path[128];
	struct stat st;
	long long now = now_ns();
	FILE *f;
	int err;

	if (m->checked_ns && now - m->checked_ns < PERFMAP_RECHECK_NS)
		return m->n ? 0 : -ENOENT;
	m->checked_ns = now;
	snprintf(path, sizeof(path), "/proc/%u/root/tmp/perf-%u.map", pid, namespace_pid(pid));
	if (!(f = fopen(path, "re")))
		return m->n ? 0 : -errno;
	if (fstat(fileno(f), &st) || (st.st_size == m->size && st.st_mtim.tv_sec == m->mtime.tv_sec &&
				      st.st_mtim.tv_nsec == m->mtime.tv_nsec)) {
		fclose(f);
		return m->n ? 0 : -ENOENT;
	}
	err = read_map(m, f);
	fclose(f);
	if (!err) {
		m->size = st.st_size;
		m->mtime = st.st_mtim;
	}
	return err;
}

const char *perfmap_lookup(const struct perfmap *m, uint64_t addr, uint64_t *offset)
{
	size_t i;

	if (!m || !m->n)
		return NULL;
	i = SRE_COUNT_LE(m->e, m->n, start, addr);
	if (!i || addr >= m->e[i - 1].end)
		return NULL;
	if (offset)
		*offset = addr - m->e[i - 1].start;
	return m->e[i - 1].name;
}

void perfmap_stats(const struct perfmap *m, uint64_t *entries, uint64_t *malformed)
{
	*entries = m ? m->n : 0;
	*malformed = m ? m->malformed : 0;
}

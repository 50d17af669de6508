/* Services: the processes of one program judged as one. A process
 * belongs to the service of its topmost ancestor running the same
 * executable: PostgreSQL's postmaster and its backends, nginx's master
 * and workers, php-fpm's pool; a JVM (one process) is its own. */
#ifndef SRE_TRIAGE_SERVICES_H
#define SRE_TRIAGE_SERVICES_H

#include <stdint.h>
#include "lib/core/hashmap.h"

struct sre_services {
	struct sre_map by_pid;  /* tgid -> struct sre_service_entry */
	struct sre_map by_comm; /* comm -> a service root of processes by that name */
	const char *proc_root;  /* "/proc"; unit tests point it at a tree of their own */
};

void sre_services_init(struct sre_services *s);
void sre_services_free(struct sre_services *s);
/* Reads the service of every process not seen yet (while they live). */
void sre_services_scan(struct sre_services *s);
/* The service of process tgid (comm its name): its root's pid, tgid itself
 * when it is its own or a kernel thread. A process gone before it was
 * read joins the service of live processes with its comm (a short-lived
 * backend), else is its own. NULL s: every process is its own. */
uint32_t sre_service_of(struct sre_services *s, uint32_t tgid, const char *comm);

#endif

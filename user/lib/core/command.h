/* "-- COMMAND": start a command that waits until tracing is attached. */
#ifndef SRE_COMMAND_H
#define SRE_COMMAND_H

#include <stdbool.h>
#include <sys/types.h>

struct sre_command {
	pid_t pid;
	int gate_fd;     /* write end; closing it lets the child exec */
	bool exited;
	int status;      /* wait status once exited */
};

/* Forks the child, which blocks until sre_command_release(). -errno on failure. */
int sre_command_start(struct sre_command *c, char **argv);
void sre_command_release(struct sre_command *c);
/* Non-blocking reap; true once the command has exited. */
bool sre_command_poll(struct sre_command *c);
/* Kill and reap a command that never got to run (setup failed). */
void sre_command_abort(struct sre_command *c);
/* At the tool's exit: a command that never ran is killed (returns 1);
 * one still running after we were interrupted gets SIGTERM; then its
 * shell-style exit code is returned. */
int sre_command_finish(struct sre_command *c, bool ran);
/* Shell-style exit code: the status, or 128+signal. */
int sre_command_exit_code(const struct sre_command *c);

#endif

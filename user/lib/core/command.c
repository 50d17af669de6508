#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/core/command.h"

int sre_command_start(struct sre_command *c, char **argv)
{
	int gate[2];
	char go;

	memset(c, 0, sizeof(*c));
	if (pipe2(gate, O_CLOEXEC))
		return -errno;
	c->pid = fork();
	if (c->pid < 0) {
		close(gate[0]);
		close(gate[1]);
		return -errno;
	}
	if (c->pid == 0) {
		close(gate[1]);
		/* EOF without a byte means the tracer gave up: do not run untraced. */
		if (read(gate[0], &go, 1) != 1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "sretrace: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	c->gate_fd = gate[1];
	return 0;
}

void sre_command_release(struct sre_command *c)
{
	char go = 1;

	if (c->gate_fd > 0) {
		if (write(c->gate_fd, &go, 1) != 1)
			perror("sretrace: releasing command");
		close(c->gate_fd);
		c->gate_fd = -1;
	}
}

bool sre_command_poll(struct sre_command *c)
{
	if (!c->pid || c->exited)
		return c->exited;
	if (waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->exited = true;
	return c->exited;
}

void sre_command_abort(struct sre_command *c)
{
	if (!c->pid || c->exited)
		return;
	if (c->gate_fd > 0)
		close(c->gate_fd);
	c->gate_fd = -1;
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &c->status, 0);
	c->exited = true;
}

int sre_command_exit_code(const struct sre_command *c)
{
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return 1;
}

int sre_command_finish(struct sre_command *c, bool ran)
{
	if (!ran) {
		sre_command_abort(c);
		return 1;
	}
	if (!sre_command_poll(c))
		kill(c->pid, SIGTERM);
	while (!sre_command_poll(c))
		usleep(10000);
	return sre_command_exit_code(c);
}

/* Benchmark helper: runs a tracer, reports how long it took from exec to
 * attached (the first BPF link or perf event fd with a program appears in
 * /proc/PID/fd), then stops it with SIGINT and reports its peak RSS.
 *   startup TIMEOUT_S COMMAND [ARGS...]
 * Prints "attach_ms rss_kb", or "timeout rss_kb". */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* An attached tracer holds a bpf_link, or a perf event fd (legacy attach). */
static int attached(pid_t pid)
{
	char dir[64], path[320], target[256];
	struct dirent *d;
	DIR *dp;
	int found = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	dp = opendir(dir);
	if (!dp)
		return 0;
	while (!found && (d = readdir(dp))) {
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		found = strstr(target, "bpf_link") || strstr(target, "[perf_event]");
	}
	closedir(dp);
	return found;
}

int main(int argc, char **argv)
{
	double timeout_ms, start, took = -1;
	struct rusage ru;
	int status;
	pid_t pid;

	if (argc < 3)
		return 2;
	timeout_ms = atof(argv[1]) * 1000;
	start = now_ms();
	pid = fork();
	if (pid == 0) {
		/* Quiet: only the timing matters. */
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(126);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	while (now_ms() - start < timeout_ms) {
		if (attached(pid)) {
			took = now_ms() - start;
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			printf("exited before attaching\n");
			return 1;
		}
		usleep(500);
	}
	/* Let it settle, as a user would, before measuring its memory. */
	usleep(300000);
	kill(pid, SIGINT);
	wait4(pid, &status, 0, &ru);
	if (took < 0)
		printf("timeout %ld\n", ru.ru_maxrss);
	else
		printf("%.1f %ld\n", took, ru.ru_maxrss);
	return 0;
}

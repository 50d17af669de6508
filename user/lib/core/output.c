#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/core/opts.h"
#include "lib/core/output.h"

int sre_output_open(struct sre_output *out, const char *tool, const char *path)
{
	struct stat st;
	char *dir_copy, *base_copy;
	int fd, err;

	memset(out, 0, sizeof(*out));
	if (!path) {
		out->f = stdout;
		return 0;
	}
	/* Never write through a symlink someone planted at the output path. */
	if (!lstat(path, &st) && (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))) {
		sre_tool_error(tool, "refusing to write %s: %s", path,
			       S_ISLNK(st.st_mode) ? "it is a symlink" : "not a regular file");
		return -EEXIST;
	}
	dir_copy = strdup(path);
	base_copy = strdup(path);
	out->path = strdup(path);
	if (!dir_copy || !base_copy || !out->path ||
	    asprintf(&out->tmp_path, "%s/.%s.XXXXXX", dirname(dir_copy), basename(base_copy)) < 0) {
		free(dir_copy);
		free(base_copy);
		free(out->path);
		out->path = NULL;
		return -ENOMEM;
	}
	free(dir_copy);
	free(base_copy);
	fd = mkstemp(out->tmp_path);
	if (fd < 0) {
		err = -errno;
		sre_tool_error(tool, "cannot write %s: %s", path, strerror(errno));
		free(out->tmp_path);
		free(out->path);
		memset(out, 0, sizeof(*out));
		return err;
	}
	fchmod(fd, 0644);
	out->f = fdopen(fd, "w");
	return out->f ? 0 : -errno;
}

int sre_output_flush(struct sre_output *out)
{
	if (fflush(out->f) == 0 && !ferror(out->f))
		return 0;
	return errno ? -errno : -EIO;
}

int sre_output_error(FILE *f)
{
	if (!ferror(f))
		return 0;
	return errno == EPIPE ? -EPIPE : -(errno ? errno : EIO);
}

int sre_output_close(struct sre_output *out, const char *tool, bool ok)
{
	int err = 0;

	if (!out->f)
		return 0;
	if (!out->path) {
		err = sre_output_flush(out);
		out->f = NULL;
		return err == -EPIPE ? 0 : err;
	}
	if (ok) {
		if (fflush(out->f) || ferror(out->f) || fsync(fileno(out->f)))
			err = -errno;
	}
	if (fclose(out->f) && !err)
		err = -errno;
	out->f = NULL;
	if (ok && !err && rename(out->tmp_path, out->path))
		err = -errno;
	if (!ok || err)
		unlink(out->tmp_path);
	if (ok && err)
		sre_tool_error(tool, "cannot write %s: %s", out->path, strerror(-err));
	free(out->tmp_path);
	free(out->path);
	return err;
}

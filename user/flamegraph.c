/* `sretrace flamegraph`: folded stacks from files or stdin to one SVG.
 * Offline and unprivileged, so it keeps its own option loop: the shared
 * parser's filters, formats and duration mean nothing here, and its
 * positionals are seconds, not files. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lib/bpf/tool.h"
#include "lib/core/opts.h"
#include "lib/core/output.h"
#include "lib/fmt/flamegraph.h"
#include "tools.h"

enum { O_TITLE = 1000, O_SUB, O_COUNT, O_WIDTH, O_MINW, O_COLORS, O_INV, O_REV, O_DIFF, O_NORM };

static const struct option flamegraph_longs[] = {
	{ "output", required_argument, NULL, 'o' }, { "title", required_argument, NULL, O_TITLE },
	{ "subtitle", required_argument, NULL, O_SUB }, { "countname", required_argument, NULL, O_COUNT },
	{ "width", required_argument, NULL, O_WIDTH }, { "minwidth", required_argument, NULL, O_MINW },
	{ "colors", required_argument, NULL, O_COLORS }, { "inverted", no_argument, NULL, O_INV },
	{ "reverse", no_argument, NULL, O_REV }, { "diff", no_argument, NULL, O_DIFF },
	{ "normalize", no_argument, NULL, O_NORM }, { "help", no_argument, NULL, 'h' }, { 0 },
};

static void usage(FILE *f)
{
	fputs("usage: sretrace flamegraph [options] [FILE...]          (stdin without FILE)\n"
	      "       sretrace flamegraph --diff BEFORE.folded AFTER.folded\n\n"
	      "Folded stacks (\"a;b;c 123\") to one self-contained interactive SVG on stdout.\n\n"
	      "options:\n"
	      "  -o, --output FILE       write the SVG to FILE\n"
	      "      --title TEXT        title (default \"Flame Graph\")\n"
	      "      --subtitle TEXT     second line\n"
	      "      --countname NAME    unit of the values in tooltips (default samples)\n"
	      "      --width PX          image width (default 1200)\n"
	      "      --minwidth PX       leave out frames narrower than this (default 0.1)\n"
	      "      --colors PALETTE    hot (on-CPU), io or blue (off-CPU), mem;\n"
	      "                          default: io when the stacks wait, else hot\n"
	      "      --inverted          icicle graph: roots at the top\n"
	      "      --reverse           reverse every stack before merging\n"
	      "      --diff              two files: colour by change, red grew, blue shrank\n"
	      "      --normalize         with --diff: scale BEFORE to AFTER's total\n"
	      "  -h, --help              this help\n\n"
	      "In the SVG: hover for details, click a frame to zoom, \"Reset Zoom\" to go back,\n"
	      "Ctrl-F or \"Search\" for a regular expression (shows \"Matched: N%\").\n", f);
}

static int fg_error(const char *fmt, const char *arg)
{
	fputs("sretrace flamegraph: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

int flamegraph_main(int argc, char **argv)
{
	struct fg_options o = { .countname = "samples", .width = 1200, .minwidth = 0.1, .palette = FG_AUTO };
	const char *output = NULL;
	bool diff = false;
	struct sre_output out = { 0 };
	struct fg_graph *g;
	char *end;
	int key, err = 0;

	optind = 0; /* 0, not 1: glibc then resets all of getopt's state */
	opterr = 0;
	/* No "+": options anywhere, files among them, as with every tool. */
	while ((key = getopt_long(argc, argv, "o:h", flamegraph_longs, NULL)) != -1) {
		switch (key) {
		case 'o':
			output = optarg;
			if (sre_check_output_path("flamegraph", output))
				return 2;
			break;
		case O_TITLE: o.title = optarg; break;
		case O_SUB: o.subtitle = optarg; break;
		case O_COUNT: o.countname = optarg; break;
		case O_WIDTH:
			o.width = (int)strtol(optarg, &end, 10);
			if (*end || o.width < 100 || o.width > 100000)
				return fg_error("invalid --width '%s': want 100..100000 pixels", optarg);
			break;
		case O_MINW:
			o.minwidth = strtod(optarg, &end);
			if (*end || !isfinite(o.minwidth) || o.minwidth < 0)
				return fg_error("invalid --minwidth '%s': want pixels >= 0", optarg);
			break;
		case O_COLORS:
			if (!strcmp(optarg, "hot"))
				o.palette = FG_HOT;
			else if (!strcmp(optarg, "io") || !strcmp(optarg, "blue"))
				o.palette = FG_IO;
			else if (!strcmp(optarg, "mem"))
				o.palette = FG_MEM;
			else
				return fg_error("unknown --colors '%s' (hot, io, blue, mem)", optarg);
			break;
		case O_INV: o.inverted = true; break;
		case O_REV: o.reverse = true; break;
		case O_DIFF: diff = true; break;
		case O_NORM: o.normalize = true; break;
		case 'h': usage(stdout); return 0;
		default:
			return fg_error("unknown option or missing value: '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (diff && argc - optind != 2)
		return fg_error("%s", "--diff takes exactly two files: BEFORE AFTER");
	if (o.normalize && !diff)
		return fg_error("%s", "--normalize goes with --diff");
	g = fg_new();
	if (!g)
		return 1;
	for (int i = optind; i < argc || (i == optind && argc == optind); i++) {
		FILE *f = NULL;
		struct stat st;
		int c;

		/* A named FIFO nobody writes to would block forever; pipes from
		 * process substitution (/dev/fd/N) are fine. */
		if (i < argc && !stat(argv[i], &st) && S_ISFIFO(st.st_mode) && strncmp(argv[i], "/dev/fd/", 8) &&
		    strncmp(argv[i], "/proc/self/fd/", 14)) {
			fg_free(g);
			return fg_error("'%s' is a FIFO: pipe it to stdin instead", argv[i]);
		}
		f = i < argc ? fopen(argv[i], "r") : stdin;
		if (!f) {
			fg_free(g);
			return fg_error("cannot read '%s'", argv[i]);
		}
		/* A file's size bounds its frames (~25 bytes each): room for
		 * that many nodes at once (pages are only touched as used). */
		if (!fstat(fileno(f), &st) && S_ISREG(st.st_mode) && st.st_size / 24 < UINT32_MAX / 2)
			fg_reserve(g, (uint32_t)(st.st_size / 24));
		/* A directory opens but cannot be read: say so, as for a missing file. */
		c = fgetc(f);
		if (c == EOF && ferror(f)) {
			if (f != stdin)
				fclose(f);
			fg_free(g);
			return fg_error("cannot read '%s'", i < argc ? argv[i] : "stdin");
		}
		if (c != EOF)
			ungetc(c, f);
		err = fg_read_stacks(g, f, diff && i == optind, o.reverse);
		if (f != stdin)
			fclose(f);
		if (err)
			break;
	}
	/* Nothing but garbage is bad input; some garbage among stacks is not. */
	if (!err && fg_malformed(g) && fg_empty(g)) {
		fprintf(stderr, "sretrace flamegraph: no folded stacks in the input (%llu malformed lines)\n",
			(unsigned long long)fg_malformed(g));
		fg_free(g);
		return 2;
	}
	if (!err && fg_malformed(g))
		fprintf(stderr, "sretrace flamegraph: ignored %llu malformed lines\n", (unsigned long long)fg_malformed(g));
	if (!err && (err = sre_output_open(&out, "flamegraph", output))) {
		fg_free(g);
		return 1;
	}
	if (!err)
		err = fg_render(g, &o, out.f);
	if (sre_output_close(&out, "flamegraph", !err) && !err)
		err = -EIO;
	fg_free(g);
	if (err && err != -EPIPE) {
		fprintf(stderr, "sretrace flamegraph: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}

static const struct sre_tool_spec flamegraph_spec = {
	.name = "flamegraph",
	.summary = "Folded stacks to an interactive SVG flame graph (offline, no privileges).",
	.short_opts = "o:h",
	.long_opts = flamegraph_longs,
};

const struct sre_tool flamegraph_tool = { .spec = &flamegraph_spec, .main = flamegraph_main, .help = usage };

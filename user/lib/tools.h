/* Entry points of the tools linked into the one binary. */
#ifndef SRE_TOOLS_H
#define SRE_TOOLS_H

struct sre_tool {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);
	int hidden; /* benchmark helpers, not listed in --help */
};

int syslat_main(int argc, char **argv);
int offcpu_main(int argc, char **argv);
int biolat_main(int argc, char **argv);
int tcpretrans_main(int argc, char **argv);
int profile_main(int argc, char **argv);
int serve_main(int argc, char **argv);
int triage_main(int argc, char **argv);
int floor_main(int argc, char **argv);

#endif

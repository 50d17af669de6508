# sretrace: one static binary. `make`, `make test`, `make install`, `make clean`.
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
PREFIX ?= /usr/local
DESTDIR ?=
BUILD := build
VERSION := 0.7.0

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror
USER_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -MMD -MP -I$(BUILD)/skel -Iuser -I.
# sretrace's own objects: no unwind tables (nothing unwinds sretrace; ~22 KB
# of the static binary's 2 MiB cap). The unit tests unwind themselves and
# keep theirs.
OBJ_CFLAGS = $(USER_CFLAGS) -fno-asynchronous-unwind-tables
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Ivmlinux -Ibpf
LDLIBS := -lbpf -lelf -lz -liberty -lm

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_HDRS := $(wildcard bpf/*.h)
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/skel/%.skel.h,$(BPF_SRCS))
# user/lib is layered (docs/ARCHITECTURE.md): core < sym < stacks < fmt < bpf.
# Only the bpf layer and the tools touch libbpf and the skeletons, so the
# layers below it (and the unit tests) build without clang or bpftool.
PURE_LAYERS := core sym stacks fmt
PURE_SRCS := $(foreach l,$(PURE_LAYERS),$(wildcard user/lib/$(l)/*.c)) $(wildcard user/serve/http.c user/serve/prom.c user/triage/waitclass.c user/triage/waitfor.c user/triage/services.c)
BPF_LIB_SRCS := $(wildcard user/lib/bpf/*.c)
LIB_SRCS := $(PURE_SRCS) $(BPF_LIB_SRCS)
TOOL_SRCS := $(filter-out $(PURE_SRCS),$(wildcard user/*.c user/serve/*.c user/triage/*.c))
GEN_SRCS := $(BUILD)/gen/names.c
PURE_OBJS := $(patsubst user/%.c,$(BUILD)/obj/%.o,$(PURE_SRCS)) $(BUILD)/obj/gen/names.o
LIB_OBJS := $(PURE_OBJS) $(patsubst user/%.c,$(BUILD)/obj/%.o,$(BPF_LIB_SRCS))
TOOL_OBJS := $(patsubst user/%.c,$(BUILD)/obj/%.o,$(TOOL_SRCS))
TOOLS := syslat offcpu biolat tcpretrans profile serve triage

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
WORKLOAD_SRCS := $(wildcard tests/workload/*.c)
WORKLOADS := $(patsubst tests/workload/%.c,$(BUILD)/workload/%,$(WORKLOAD_SRCS))

.PHONY: all test unit e2e install man deb tarball bighost clean bench fuzz asan asan-test vmtest
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/sretrace $(BUILD)/flamegraph $(WORKLOADS)

# Linked by libbpf's own linker after stripping: the relocation sections
# for BTF go (~60 KB of the static binary, which has a 2 MiB cap).
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) vmlinux/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@.raw
	$(LLVM_STRIP) -g $@.raw
	$(BPFTOOL) gen object $@ $@.raw
	@rm -f $@.raw

$(BUILD)/skel/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< name $(subst .bpf.o,,$(notdir $<))_bpf > $@

$(BUILD)/gen/names.c: scripts/gen-names.sh
	@mkdir -p $(@D)
	./scripts/gen-names.sh "$(CC)" $@

$(BUILD)/obj/gen/names.o: $(BUILD)/gen/names.c
	@mkdir -p $(@D)
	$(CC) $(OBJ_CFLAGS) -c $< -o $@

# The pure layers never see a skeleton; the bpf layer and the tools wait for all of them.
$(filter-out $(BUILD)/obj/gen/%,$(PURE_OBJS)): $(BUILD)/obj/%.o: user/%.c
	@mkdir -p $(@D)
	$(CC) $(OBJ_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: user/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(OBJ_CFLAGS) -c $< -o $@

# `sretrace --version`; main.o is rebuilt when the version changes.
$(BUILD)/obj/main.o: USER_CFLAGS += -DSRE_VERSION='"$(VERSION)"'
$(BUILD)/obj/main.o: Makefile

$(BUILD)/sretrace: $(TOOL_OBJS) $(LIB_OBJS)
	$(CC) -static $(CFLAGS) -o $@ $^ $(LDLIBS)

# The offline renderer alone: no BPF, no privileges.
$(BUILD)/flamegraph: tools/flamegraph.c $(BUILD)/obj/flamegraph.o $(BUILD)/obj/lib/fmt/flamegraph.o $(BUILD)/obj/lib/fmt/flamesvg.o \
		$(BUILD)/obj/lib/core/output.o $(BUILD)/obj/lib/core/opts.o $(BUILD)/obj/lib/core/parse.o \
		$(BUILD)/obj/lib/core/hashmap.o $(BUILD)/obj/lib/core/interner.o
	$(CC) $(USER_CFLAGS) -static -o $@ $^ -lm

# Unit tests link the pure layers only: no libbpf, no skeletons, no clang.
$(BUILD)/tests/%: tests/unit/%.c $(PURE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $(filter %.c %.o,$^) -lelf -lz -liberty -lm

# Like Debian's binaries: no frame pointers (the unwinding ground truth).
$(BUILD)/workload/nofp: tests/workload/nofp.c
	@mkdir -p $(@D)
	$(CC) -O2 -fomit-frame-pointer $(WARN) -std=gnu11 -D_GNU_SOURCE -o $@ $<

# Workloads keep frame pointers: tests check their user stacks.
$(BUILD)/workload/%: tests/workload/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fno-omit-frame-pointer $(WARN) -std=gnu11 -D_GNU_SOURCE -o $@ $< -lpthread

# The kernel matrix (tests/vm): static workloads for a guest without libc.
VM_WORKLOADS := $(patsubst %,$(BUILD)/vm/wl/%,syscalls blocker burner dwrite nofp)

$(BUILD)/vm/wl/nofp: tests/workload/nofp.c
	@mkdir -p $(@D)
	$(CC) -O2 -static -fomit-frame-pointer $(WARN) -std=gnu11 -D_GNU_SOURCE -o $@ $<

$(BUILD)/vm/wl/%: tests/workload/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -fno-omit-frame-pointer $(WARN) -std=gnu11 -D_GNU_SOURCE -o $@ $< -lpthread

vmtest: $(BUILD)/sretrace $(VM_WORKLOADS)
	tests/vm/run.sh

# Map memory and RSS per tool in 32- and 64-vCPU guests, bounded at 256 CPUs.
bighost: $(BUILD)/sretrace $(VM_WORKLOADS) $(WORKLOADS)
	tests/vm/bighost.sh

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do $$t; done
	./scripts/check-layers

e2e: all
	bats --tap tests/e2e

# The test command of the README: unit tests then end-to-end tests, TAP.
test: all $(UNIT_BINS)
	./tests/run-all

bench: all
	./scripts/bench/run-all

# libFuzzer targets (clang + libclang-rt-14-dev): each built with ASan and
# UBSan from the library sources it exercises, then run for FUZZ_SECONDS
# on a copy of its committed seed corpus.
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -Iuser -I.
FUZZ_TARGETS := folded elf opts pprof http slo cfi dwarf
FUZZ_SRCS_folded := user/lib/fmt/flamegraph.c user/lib/fmt/flamesvg.c user/lib/core/hashmap.c user/lib/core/interner.c
FUZZ_SRCS_elf := user/lib/sym/usyms.c user/lib/sym/procmaps.c user/lib/sym/elfsyms.c user/lib/sym/cfi.c user/lib/sym/inlines.c user/lib/core/hashmap.c user/lib/core/interner.c
FUZZ_SRCS_opts := user/lib/core/opts.c user/lib/core/parse.c
FUZZ_LIBS_elf := -lelf -lz
FUZZ_SRCS_pprof := user/lib/fmt/pprof.c user/lib/core/gzip.c user/lib/core/hashmap.c user/lib/core/interner.c
FUZZ_LIBS_pprof := -lz
FUZZ_SRCS_http := user/serve/http.c
FUZZ_SRCS_slo := user/lib/core/slo.c user/lib/core/opts.c user/lib/core/parse.c user/lib/core/hist.c user/lib/core/json.c
FUZZ_SRCS_cfi := user/lib/sym/cfi.c
FUZZ_LIBS_cfi := -lelf
FUZZ_SRCS_dwarf := user/lib/sym/inlines.c user/lib/core/hashmap.c user/lib/core/interner.c
FUZZ_LIBS_dwarf := -lelf -lz

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS_$*) $(FUZZ_LIBS_$*) -lm

fuzz: $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; cp tests/fuzz/corpus/$$t/* $(BUILD)/fuzz/corpus-$$t/; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=1024 -close_fd_mask=3 \
			-artifact_prefix=$(BUILD)/fuzz/crash-$$t- $(BUILD)/fuzz/corpus-$$t 2>&1 | tail -2; \
	done

# Sanitizer build: the same sources with ASan + UBSan, linked dynamically
# (ASan cannot link statically); `make asan-test` runs the unit tests and
# the bats files that need no timing precision against it.
ASAN := $(BUILD)/asan
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	$(WARN) -std=gnu11 -D_GNU_SOURCE -I$(BUILD)/skel -Iuser -I.
ASAN_OBJS := $(patsubst user/%.c,$(ASAN)/obj/%.o,$(TOOL_SRCS) $(LIB_SRCS)) $(ASAN)/obj/gen/names.o
ASAN_BATS := tests/e2e/badinput.bats tests/e2e/flamegraph.bats tests/e2e/syslat.bats \
	tests/e2e/biolat.bats tests/e2e/tcpretrans.bats tests/e2e/serve.bats tests/e2e/slo.bats tests/e2e/json.bats \
	tests/e2e/pprof.bats tests/e2e/triage.bats tests/e2e/unwind.bats

$(ASAN)/obj/%.o: user/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

$(ASAN)/obj/gen/names.o: $(BUILD)/gen/names.c
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -c $< -o $@

$(ASAN)/sretrace: $(ASAN_OBJS)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(LDLIBS)

$(ASAN)/tests/%: tests/unit/%.c $(patsubst user/%.c,$(ASAN)/obj/%.o,$(PURE_SRCS)) $(ASAN)/obj/gen/names.o
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $(filter %.c %.o,$^) -lelf -lz -liberty -lm

asan: $(ASAN)/sretrace $(patsubst tests/unit/%.c,$(ASAN)/tests/%,$(UNIT_SRCS)) $(WORKLOADS) $(BUILD)/flamegraph

asan-test: asan
	@for t in $(patsubst tests/unit/%.c,$(ASAN)/tests/%,$(UNIT_SRCS)); do \
		if $$t >/dev/null 2>&1; then echo "ok asan unit $$(basename $$t)"; else echo "not ok asan unit $$(basename $$t)"; fi; done
	SRE_BIN=$(CURDIR)/$(ASAN)/sretrace bats --tap $(ASAN_BATS)

# Manual pages and the bash completion are made by the binary from the
# definitions that print --help (user/docgen.c), so they cannot drift.
MAN_TOOLS := $(TOOLS) flamegraph
man: $(BUILD)/sretrace
	@mkdir -p $(BUILD)/man
	$(BUILD)/sretrace --man > $(BUILD)/man/sretrace.8
	@for t in $(MAN_TOOLS); do $(BUILD)/sretrace --man $$t > $(BUILD)/man/sretrace-$$t.8 || exit 1; done
	$(BUILD)/sretrace --completion bash > $(BUILD)/man/sretrace.bash

# What SREs deploy (scripts/package.sh): a Debian package, or a static
# tarball for other distributions, in build/pkg/.
deb: $(BUILD)/sretrace
	@scripts/package.sh deb $(VERSION) $(BUILD)/pkg

tarball: $(BUILD)/sretrace
	@scripts/package.sh tarball $(VERSION) $(BUILD)/pkg

install: $(BUILD)/sretrace man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -s -m 0755 $(BUILD)/sretrace $(DESTDIR)$(PREFIX)/bin/sretrace
	for t in $(MAN_TOOLS); do ln -sf sretrace $(DESTDIR)$(PREFIX)/bin/sretrace-$$t; done
	install -m 0644 $(BUILD)/man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 $(BUILD)/man/sretrace.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sretrace
	for t in $(MAN_TOOLS); do ln -sf sretrace $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sretrace-$$t; done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/tests $(ASAN)/obj -name '*.d' 2>/dev/null)

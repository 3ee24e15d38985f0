# custos - plain GNU Makefile.  See README.md.
#
#   make            build build/custos and build/custos-gen
#   make test       install dependencies, build, run every test
#   make demo       install dependencies, build, generate a small ISP, ingest, look up
#   make SANITIZE=address,undefined test
#   make fuzz       libFuzzer binaries (clang) in build/fuzz/
#   make bench      the benchmarks in bench/ (figures on stdout)

CC      ?= cc
ifeq ($(CC),cc)
CC      := gcc
endif
O       ?= build
CSTD    := -std=c17
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wvla -Wstrict-prototypes \
           -Wmissing-prototypes -Wimplicit-fallthrough -Wno-unused-parameter
WERROR  ?= -Werror
OPT     ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Ilib
LIBS    := -lsqlite3 -lsodium -lm -lhpdf -lpcap -lssl -lcrypto -lseccomp

ifdef SANITIZE
OPT     := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
O       := build/san
else
HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
endif

CFLAGS  += $(CSTD) $(WARN) $(WERROR) $(OPT) $(HARDEN) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)

LIB_SRCS := $(sort $(wildcard lib/util/*.c lib/core/*.c lib/fmt/*.c lib/li/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
APP_SRCS := $(sort $(wildcard src/custos/*.c))
APP_OBJS := $(APP_SRCS:%.c=$(O)/%.o)
GEN_SRCS := $(sort $(wildcard bench/gen/*.c))
GEN_OBJS := $(GEN_SRCS:%.c=$(O)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
REPLAY_BINS := $(FUZZ_SRCS:fuzz/%.c=$(O)/replay/%)
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(O)/bench/%)

.PHONY: all deps test demo fuzz bench clean format checksrc golden-update
all: $(O)/custos $(O)/custos-gen $(UNIT_BINS) $(REPLAY_BINS) $(BENCH_BINS)

deps:
	@./scripts/deps

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(O)/libcustos.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(O)/custos: $(APP_OBJS) $(O)/libcustos.a
	$(CC) $(LDFLAGS) -o $@ $(APP_OBJS) $(O)/libcustos.a $(LIBS)

$(O)/custos-gen: $(GEN_OBJS) $(O)/libcustos.a
	$(CC) $(LDFLAGS) -o $@ $(GEN_OBJS) $(O)/libcustos.a $(LIBS)

$(O)/tests/%: tests/unit/%.c tests/unit/t.h $(O)/libcustos.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libcustos.a $(LIBS)

$(O)/replay/%: fuzz/%.c fuzz/replay.c $(O)/libcustos.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< fuzz/replay.c $(O)/libcustos.a $(LIBS)

$(O)/bench/%: bench/%.c $(O)/libcustos.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libcustos.a $(LIBS)

test: deps
	@$(MAKE) --no-print-directory all
	@O=$(O) ./tests/run

demo: deps
	@$(MAKE) --no-print-directory $(O)/custos $(O)/custos-gen
	@O=$(O) ./scripts/demo

# libFuzzer builds: clang only
FUZZ_CFLAGS := -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all -D_GNU_SOURCE -Ilib
fuzz: $(FUZZ_SRCS:fuzz/%.c=build/fuzz/%)
build/fuzz/%: fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) $(LIBS)

bench: all
	@O=$(O) ./bench/run

golden-update: all
	@O=$(O) ./tests/golden/update

format:
	clang-format -i $(LIB_SRCS) $(APP_SRCS) lib/*/*.h src/custos/*.h

checksrc:
	@./scripts/checksrc

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(APP_OBJS:.o=.d) $(GEN_OBJS:.o=.d)

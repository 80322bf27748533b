# og-veil: hand-written top-level Makefile.  ./configure writes config.mk
# (compiler, dependency flags, switches); when it is missing, the first make
# installs the build dependencies and runs autoconf and ./configure itself.
#
#   make            build og-veil and og-veil-devnet into $(O)/
#   make check      install test deps, build, run every test suite
#   make demo       the end-to-end demo against the embedded devnet
#   make bench      speed and scale figures (bench/results.json)
#   make fuzz       libFuzzer, FUZZ_SECONDS (300) per target; make check
#                   runs each target CHECK_FUZZ_SECONDS (10) only
#   make check-vectors VECTORS=DIR    run a directory of protocol vectors

-include config.mk

# `make install PREFIX=/opt/og-veil` overrides ./configure --prefix.
ifdef PREFIX
prefix :=	$(PREFIX)
exec_prefix :=	$(PREFIX)
bindir :=	$(PREFIX)/bin
mandir :=	$(PREFIX)/share/man
endif

O ?=		build
VECTORS ?=	../shared/vectors
FUZZ_SECONDS ?=	300
DESTDIR ?=
prefix ?=	/usr/local
bindir ?=	$(prefix)/bin
mandir ?=	$(prefix)/share/man
unitdir ?=	$(prefix)/lib/systemd/system

WARNINGS =	-Wall -Wextra -Wformat=2 -Wmissing-prototypes \
		-Wstrict-prototypes -Wshadow -Wpointer-arith -Wcast-qual \
		-Wsign-compare -Wundef
ALL_CFLAGS =	-std=c11 $(CONF_CFLAGS) $(WARNINGS) $(WERROR) $(SANITIZE) \
		-DHAVE_CONFIG_H -I. -Isrc $(DEP_CFLAGS) $(CFLAGS)
ALL_LDFLAGS =	$(SANITIZE) $(LDFLAGS)

# Leaf modules: bytes in, bytes or an error out.  Unit tests, fuzzers, the
# vector driver and the devnet link only these.
CORE_NAMES =	xmalloc bytes escape json pyjson keccak x25519 hpke ohttp digest sse \
		verify pii receipt abi registry compat/strlcpy compat/strtonum
CORE_SRCS =	$(wildcard $(CORE_NAMES:%=src/%.c))
DAEMON_SRCS =	$(filter-out $(CORE_SRCS) src/og-veil.c,$(wildcard src/*.c))
DEVNET_SRCS =	$(wildcard src/devnet/*.c)
CORE_OBJS =	$(CORE_SRCS:%.c=$(O)/%.o)
DAEMON_OBJS =	$(DAEMON_SRCS:%.c=$(O)/%.o)
DEVNET_OBJS =	$(DEVNET_SRCS:%.c=$(O)/%.o)

CORE_LIB =	$(O)/libogveil-core.a
DAEMON_LIB =	$(O)/libogveil.a

UNIT_SRCS =	$(wildcard tests/unit/test-*.c)
UNIT_CORE =	$(filter $(CORE_NAMES:%=tests/unit/test-%.c),$(UNIT_SRCS))
UNIT_DEVNET =	$(filter tests/unit/test-devnet-%.c,$(UNIT_SRCS))
UNIT_DAEMON =	$(filter-out $(UNIT_CORE) $(UNIT_DEVNET),$(UNIT_SRCS))
# Devnet tests link the devnet objects they test (never devnet.c's main),
# from an archive so that a test takes only the objects it calls.
DEVNET_TEST_OBJS = $(O)/src/devnet/devnet-gateway.o \
		$(O)/src/devnet/devnet-model.o
DEVNET_TEST_LIB = $(O)/libdevnet-test.a
UNIT_BINS =	$(UNIT_SRCS:tests/unit/%.c=$(O)/tests/unit/%)
VEC_SRCS =	$(wildcard tests/vectors/*.c)
FUZZ_SRCS =	$(wildcard tests/fuzz/fuzz-*.c)
FUZZ_REPLAY =	$(FUZZ_SRCS:tests/fuzz/fuzz-%.c=$(O)/tests/fuzz/replay-%)

.PHONY: all check check-vectors check-systemd demo bench install clean \
	distclean deps \
	unit fuzz man-lint

all: $(O)/og-veil $(O)/og-veil-devnet

config.mk: configure.ac config.mk.in
	@sh contrib/install-deps.sh build
	autoheader && autoconf && ./configure $(CONFIGURE_FLAGS)

$(O)/%.o: %.c src/*.h config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(DAEMON_LIB): $(DAEMON_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(DEVNET_TEST_LIB): $(DEVNET_TEST_OBJS)
	@rm -f $@
	ar rcs $@ $^

# og-veil alone links MALLOC_LIBS (jemalloc, from ./configure), never in a
# sanitizer build; `make MALLOC_LIBS=` links the C library's malloc.
$(O)/og-veil: $(O)/src/og-veil.o $(DAEMON_LIB) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DAEMON_LIBS) -lm \
	    $(if $(SANITIZE),,$(MALLOC_LIBS))

$(O)/og-veil-devnet: $(DEVNET_OBJS) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DAEMON_LIBS) -lm

$(O)/src/devnet/%.o: src/devnet/%.c src/devnet/*.h src/*.h config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Isrc/devnet -c -o $@ $<

# Unit tests: one binary per module; daemon-module tests link libogveil.a.
$(UNIT_CORE:tests/unit/%.c=$(O)/tests/unit/%): $(O)/tests/unit/%: \
    tests/unit/%.c tests/unit/test.h $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(CORE_LIB) \
	    $(CORE_LIBS) -lm

$(UNIT_DAEMON:tests/unit/%.c=$(O)/tests/unit/%): $(O)/tests/unit/%: \
    tests/unit/%.c tests/unit/test.h tests/unit/fixture.h $(DAEMON_LIB) \
    $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< \
	    $(DAEMON_LIB) $(CORE_LIB) $(DAEMON_LIBS) -lm

$(UNIT_DEVNET:tests/unit/%.c=$(O)/tests/unit/%): $(O)/tests/unit/%: \
    tests/unit/%.c tests/unit/test.h src/devnet/devnet.h $(DEVNET_TEST_LIB) \
    $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Isrc/devnet -Itests/unit $(ALL_LDFLAGS) -o $@ $< \
	    $(DEVNET_TEST_LIB) $(CORE_LIB) $(DAEMON_LIBS) -lm

$(O)/tests/vectors/vectors: $(VEC_SRCS) tests/vectors/vec.h $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/vectors $(ALL_LDFLAGS) -o $@ $(VEC_SRCS) \
	    $(CORE_LIB) $(CORE_LIBS) -lm

# Fuzz targets replay their corpus without libFuzzer on every `make check`.
$(O)/tests/fuzz/replay-%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c \
	    $(CORE_LIB) $(CORE_LIBS) -lm

# validate.c is a daemon file but needs only the core's json: compile it in.
$(O)/tests/fuzz/replay-validate: tests/fuzz/fuzz-validate.c \
    tests/fuzz/replay.c src/validate.c $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ tests/fuzz/fuzz-validate.c \
	    tests/fuzz/replay.c src/validate.c $(CORE_LIB) $(CORE_LIBS) -lm

$(O)/tests/bench/evidence: tests/bench/evidence.c $(DAEMON_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(DAEMON_LIB) $(CORE_LIB) \
	    $(DAEMON_LIBS) -lm

$(O)/tests/bench/pii: tests/bench/pii.c $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CORE_LIB) $(CORE_LIBS) -lm

$(O)/tests/bench/floor: tests/bench/floor.c $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CORE_LIB) $(CORE_LIBS) -lm

unit: $(UNIT_BINS) $(O)/tests/vectors/vectors $(FUZZ_REPLAY)

check:
	@sh contrib/install-deps.sh check
	@test -f config.mk || $(MAKE) config.mk
	$(MAKE) WERROR=-Werror all unit
	@sh tests/run.sh

check-vectors: $(O)/tests/vectors/vectors
	$(O)/tests/vectors/vectors $(VECTORS)

demo:
	@sh contrib/install-deps.sh build
	@test -f config.mk || $(MAKE) config.mk
	$(MAKE) all
	@sh contrib/demo.sh

bench:
	@sh contrib/install-deps.sh bench
	@test -f config.mk || $(MAKE) config.mk
	$(MAKE) all $(O)/tests/bench/floor $(O)/tests/bench/pii \
	    $(O)/tests/bench/evidence
	@O=$(O) sh tests/bench/bench.sh

fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

man-lint:
	mandoc -Tlint -Wwarning man/*.1

# The unit goes where systemd looks under the prefix
# (/usr/local/lib/systemd/system by default), its ExecStart= naming bindir.
install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 \
	    $(DESTDIR)$(unitdir)
	install -m 0755 $(O)/og-veil $(O)/og-veil-devnet $(DESTDIR)$(bindir)/
	install -m 0644 man/og-veil.1 man/og-veil-devnet.1 \
	    $(DESTDIR)$(mandir)/man1/
	sed 's|/usr/local/bin/og-veil|$(bindir)/og-veil|g' \
	    contrib/og-veil.service >$(DESTDIR)$(unitdir)/og-veil.service
	chmod 0644 $(DESTDIR)$(unitdir)/og-veil.service

# og-veil under a booted systemd (tests/systemd/610-systemd.sh): needs root
# and systemd-nspawn; says why and counts as skipped where it cannot run.
check-systemd: all
	@O=$(O) sh tests/systemd/610-systemd.sh

clean:
	rm -rf $(O) build-asan build-fuzz

distclean: clean
	rm -rf config.mk config.h config.h.in config.log config.status \
	    configure autom4te.cache

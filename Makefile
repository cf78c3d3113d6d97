# httpsmon build. Plain GNU make; every dependency comes from pkg-config.
# make            build bin/httpsmon
# make run        install missing packages, build, run on config/endpoints.ini
# make test       install missing packages, build, run every test (last line: N passed, N failed)
# make asan       the whole suite under AddressSanitizer + UBSan
# make fuzz       libFuzzer targets (clang, ASan+UBSan) in build-fuzz/; tests/fuzz/README.md
# make bench      benchmarks (figures go to the README by hand): run, /metrics, the alert storm, then the soak
# make soak       only the soak: 500 endpoints for 10 minutes, fails if RSS or descriptors grow
# make diskfull   only the full-disk CPU figure (root: a tmpfs), fails above 2x normal
# make demo       the dashboard on a local demo lab (healthy, failing, slow, flapping endpoints)
# make screenshots  regenerate screenshots/*.png from the dashboard on the demo lab

CC       ?= cc
PKGS     := libcurl openssl ncursesw sqlite3 libcjson inih libpcre2-8 libmicrohttpd
BUILD    ?= build
BIN      := bin/httpsmon
CONFIG   ?= config/endpoints.ini

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wwrite-strings -Wcast-qual -Wundef -Wno-format-nonliteral
OPT      ?= -O2 -g
# gcc warns about deliberate snprintf truncation; clang has no such option
WARN     += $(shell $(CC) -Werror -Wno-format-truncation -E -x c /dev/null >/dev/null 2>&1 && echo -Wno-format-truncation)
VERSION  := 0.1.0
CFLAGS   := $(OPT) $(CFLAGS) -std=c11 -D_GNU_SOURCE -DHTTPSMON_VERSION=\"$(VERSION)\" $(WARN) -Iinclude -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null) -Itests/lib
TEST_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null)

SRCS     := $(wildcard src/*.c src/ui/*.c)
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
TESTSRCS := $(wildcard tests/test_*.c)
TESTBINS := $(TESTSRCS:tests/%.c=$(BUILD)/tests/%)
LABSRV   := $(BUILD)/tests/lab/labsrv

# Two layers, two static libraries. The core is pure: settings, rules,
# schedule, values and text; it may use inih, cJSON and PCRE2, never libcurl,
# OpenSSL, SQLite or curses, and the unit tests of its modules link against
# it alone, so a core module that starts calling into the I/O layer fails to
# link there. The app layer is everything else (probe engine, store,
# monitor, collector, report, history, dashboard) but the program's own
# main.o and main_cmd.o (the command line and its commands). A new pure module
# joins the core by its name here (flap.c and hashmap.c as they arrive).
CORE_SRCS := $(wildcard src/util.c src/hashmap.c src/config*.c src/jsoncond.c src/rx.c src/sched.c \
                        src/verdict*.c src/flap.c src/result.c src/cert_info.c src/revoke.c src/hsts.c src/ui/fmt.c \
                        src/alert.c src/alert_format.c src/alert_email.c src/maint.c src/am.c src/paths.c \
                        src/rjson.c src/grade.c src/posture_names.c src/pages.c src/posture_rec.c)
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
CORE_LIB  := $(BUILD)/libcore.a
CORE_LIBS  = $(shell pkg-config --libs inih libcjson libpcre2-8 2>/dev/null) -lm
MAIN_OBJS := $(BUILD)/src/main.o $(BUILD)/src/main_cmd.o
APP_OBJS  := $(filter-out $(CORE_OBJS) $(MAIN_OBJS),$(OBJS))
APP_LIB   := $(BUILD)/libapp.a

.PHONY: all deps run check test asan fuzz bench soak diskfull clean demo screenshots
all: $(BIN)

deps:
	@scripts/deps.sh

$(BIN): $(MAIN_OBJS) $(APP_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(APP_LIB): $(APP_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Order-only on deps: under make -j nothing compiles before the headers it
# needs are installed.
$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# Each unit test links only the layers it tests (the .o and .a prerequisites
# below, in order) and only their libraries (TEST_LINK).
$(BUILD)/tests/test_%: tests/test_%.c $(BUILD)/tests/testlib.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(filter %.o %.a,$^) $(TEST_LINK) $(TEST_LIBS) -lm

# the core's own tests: libcore.a and inih/cJSON/PCRE2, nothing else
CORE_TESTS := $(addprefix $(BUILD)/tests/test_,util config jsoncond rx sched verdict flap hashmap fmt alert maint am hsts rjson grade pages posture_rec)
$(CORE_TESTS): $(CORE_LIB)
$(CORE_TESTS): TEST_LINK = $(CORE_LIBS)
# redirect rules: redirect.o, which parses URLs with libcurl's URL API
$(BUILD)/tests/test_redirect: $(BUILD)/src/redirect.o
$(BUILD)/tests/test_redirect: TEST_LINK = $(shell pkg-config --libs libcurl 2>/dev/null)
# probe engine, store, monitor, dashboard model: both layers and every library
APP_TESTS := $(filter-out $(CORE_TESTS) $(BUILD)/tests/test_redirect,$(TESTBINS))
$(APP_TESTS): $(APP_LIB) $(CORE_LIB)
$(APP_TESTS): TEST_LINK = $(PKG_LIBS)

$(BUILD)/tests/testlib.o: tests/lib/testlib.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

# Fuzz targets: clang's libFuzzer with ASan+UBSan, over only the modules
# they exercise (no curl, SQLite or curses code is instrumented).
FUZZ_BUILD  := build-fuzz
FUZZ_CC     ?= clang
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE \
               -DHTTPSMON_VERSION=\"$(VERSION)\" $(filter-out -Wno-format-truncation,$(WARN)) -Iinclude -MMD -MP
FUZZ_OBJS   := $(patsubst %.c,$(FUZZ_BUILD)/%.o,src/util.c src/config.c src/config_fields.c src/config_table.c \
               src/config_values.c src/config_env.c src/config_notify.c src/alert.c src/jsoncond.c src/rx.c \
               src/cert.c src/cert_info.c src/maint.c src/alert_format.c src/hashmap.c src/revoke.c \
               src/revoke_crl.c src/revoke_ocsp.c src/ui/fmt.c src/rjson.c src/result.c src/flap.c src/verdict.c \
               src/verdict_tls.c src/verdict_http.c src/verdict_revoke.c src/verdict_posture.c src/posture_names.c \
               src/hsts.c)
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_BUILD)/src/%.o: src/%.c | deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $(PKG_CFLAGS) -o $@ $< $(FUZZ_OBJS) \
	  $(PKG_LIBS) -lm

fuzz: $(FUZZ_BINS)

# Reached only through the fuzz_% pattern, these would count as intermediate
# and be deleted after every build (rebuilt next time, and make's "rm" line
# printed after the test suite's closing line).
.SECONDARY: $(FUZZ_OBJS)

# `httpsmon init` writes the shipped example: config/endpoints.ini as C
# string literal lines, included by src/cfgedit.c ('?' escaped: no trigraphs).
EXAMPLE_INC := $(BUILD)/gen/example_ini.inc
$(EXAMPLE_INC): config/endpoints.ini
	@mkdir -p $(@D)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $< >$@
$(BUILD)/src/cfgedit.o: $(EXAMPLE_INC)
$(BUILD)/src/cfgedit.o: CFLAGS += -I$(BUILD)/gen

$(LABSRV): tests/lab/labsrv.c tests/lab/labsrv_posture.c tests/lab/labsrv_posture.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $(filter %.c,$^) $(shell pkg-config --libs openssl)

run: deps $(BIN)
	$(BIN) -c $(CONFIG)

check: $(BIN)
	$(BIN) check -c $(CONFIG)

test: deps $(BIN) $(TESTBINS) $(LABSRV) $(FUZZ_BINS)
	@BUILD=$(BUILD) HTTPSMON_BIN=$(BIN) SANITIZED=$(SANITIZED) FUZZ_BUILD=$(FUZZ_BUILD) scripts/run-tests.sh

asan:
	$(MAKE) BUILD=build-asan BIN=build-asan/httpsmon SANITIZED=1 \
	  OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined,float-cast-overflow" test

demo: deps $(BIN) $(LABSRV)
	@BUILD=$(BUILD) HTTPSMON_BIN=$(BIN) scripts/demo.sh

screenshots: deps $(BIN) $(LABSRV)
	@BUILD=$(BUILD) HTTPSMON_BIN=$(BIN) scripts/screenshots.sh

bench: deps $(BIN) $(LABSRV)
	@BUILD=$(BUILD) bench/run.sh
	@BUILD=$(BUILD) bench/metrics.sh
	@BUILD=$(BUILD) bench/posture.sh
	@BUILD=$(BUILD) bench/storm.sh
	@BUILD=$(BUILD) bench/diskfull.sh
	@BUILD=$(BUILD) bench/soak.sh

soak: deps $(BIN) $(LABSRV)
	@BUILD=$(BUILD) bench/soak.sh

diskfull: deps $(BIN) $(LABSRV)
	@BUILD=$(BUILD) bench/diskfull.sh

clean:
	rm -rf build build-asan build-fuzz bin

# ---- installing: make install/uninstall, systemd, man pages (issue 13) -------
# make install    PREFIX=/usr/local DESTDIR= BINDIR MANDIR SYSCONFDIR ...
# make uninstall  the same variables; removes what install put there, never
#                 a config of the operator's own (endpoints.ini)
# SYSCONFDIR is built into the binary (the last place the config is looked
# for, and the system unit's -c): give the same value to make and to make
# install. The units name BINDIR, so the same goes for PREFIX/BINDIR.
PREFIX        ?= /usr/local
BINDIR        ?= $(PREFIX)/bin
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
SYSCONFDIR    ?= /etc
UNITDIR       ?= $(PREFIX)/lib/systemd/system
USERUNITDIR   ?= $(PREFIX)/lib/systemd/user
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
DOCDIR        ?= $(DATADIR)/doc/httpsmon
INSTALL       ?= install

# sd_notify (Type=notify, the watchdog) when libsystemd is there; make SYSTEMD=no to leave it out
SYSTEMD       ?= $(shell pkg-config --exists libsystemd 2>/dev/null && echo yes || echo no)
ifeq ($(SYSTEMD),yes)
PKGS          += libsystemd
CFLAGS        += -DHAVE_LIBSYSTEMD
UNIT_TYPE     := notify
else
UNIT_TYPE     := simple
endif

# Rewritten only when the value changes, so paths.o is rebuilt exactly then.
$(BUILD)/gen/sysconfdir: FORCE
	@mkdir -p $(@D)
	@echo '$(SYSCONFDIR)' | cmp -s - $@ || echo '$(SYSCONFDIR)' >$@
$(BUILD)/src/paths.o: $(BUILD)/gen/sysconfdir
$(BUILD)/src/paths.o: CFLAGS += -DHTTPSMON_SYSCONFDIR=\"$(SYSCONFDIR)\"
.PHONY: FORCE install uninstall units
FORCE:

# The units with this build's paths and type (contrib/systemd/*.in); the
# stamp holds the values they were made with, so a new PREFIX remakes them.
UNITS := $(BUILD)/contrib/system/httpsmon.service $(BUILD)/contrib/user/httpsmon.service
$(BUILD)/gen/unitvars: FORCE
	@mkdir -p $(@D)
	@echo '$(BINDIR) $(SYSCONFDIR) $(UNIT_TYPE)' | cmp -s - $@ || echo '$(BINDIR) $(SYSCONFDIR) $(UNIT_TYPE)' >$@
$(BUILD)/contrib/%/httpsmon.service: contrib/systemd/httpsmon-%.service.in $(BUILD)/gen/unitvars
	@mkdir -p $(@D)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@TYPE@|$(UNIT_TYPE)|g' \
	  $(if $(filter notify,$(UNIT_TYPE)),-e 's|^#notify: ||',-e '/^#notify: /d') $< >$@
units: $(UNITS)

install: $(BIN) $(UNITS)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/httpsmon $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(USERUNITDIR) $(DESTDIR)$(COMPLETIONDIR)
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/httpsmon
	$(INSTALL) -m 0644 docs/httpsmon.1 $(DESTDIR)$(MANDIR)/man1/httpsmon.1
	$(INSTALL) -m 0644 docs/httpsmon.ini.5 $(DESTDIR)$(MANDIR)/man5/httpsmon.ini.5
	$(INSTALL) -m 0644 $(BUILD)/contrib/system/httpsmon.service $(DESTDIR)$(UNITDIR)/httpsmon.service
	$(INSTALL) -m 0644 $(BUILD)/contrib/user/httpsmon.service $(DESTDIR)$(USERUNITDIR)/httpsmon.service
	$(INSTALL) -m 0644 contrib/bash-completion/httpsmon $(DESTDIR)$(COMPLETIONDIR)/httpsmon
	$(INSTALL) -m 0644 config/endpoints.ini $(DESTDIR)$(SYSCONFDIR)/httpsmon/endpoints.ini.example

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/httpsmon $(DESTDIR)$(MANDIR)/man1/httpsmon.1 \
	  $(DESTDIR)$(MANDIR)/man5/httpsmon.ini.5 $(DESTDIR)$(SYSCONFDIR)/httpsmon/endpoints.ini.example \
	  $(DESTDIR)$(UNITDIR)/httpsmon.service $(DESTDIR)$(USERUNITDIR)/httpsmon.service \
	  $(DESTDIR)$(COMPLETIONDIR)/httpsmon
	rmdir $(DESTDIR)$(SYSCONFDIR)/httpsmon 2>/dev/null || true
# ---- end of issue 13's install block -----------------------------------------

# ---- the Debian package (issue 13) ----------------------------------------------
# make deb        httpsmon_VERSION_ARCH.deb here (DEB=path to put it elsewhere),
#                 from a staged install into $(BUILD)/deb/debian/httpsmon (scripts/mkdeb.sh)
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
DEB     ?= httpsmon_$(VERSION)_$(DEB_ARCH).deb
.PHONY: deb
deb: $(BIN)
	rm -rf $(BUILD)/deb
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(BUILD)/deb/debian/httpsmon) PREFIX=/usr SYSCONFDIR=/etc \
	  UNITDIR=/lib/systemd/system USERUNITDIR=/usr/lib/systemd/user
	scripts/mkdeb.sh $(BUILD)/deb $(VERSION) $(DEB)
# ---- end of issue 13's Debian block ------------------------------------------------

-include $(OBJS:.o=.d) $(TESTBINS:=.d) $(FUZZ_OBJS:.o=.d) $(FUZZ_BINS:=.d)

# smtpjail - see README.md. `make test` is what CI runs.

CC	?= cc
BUILD	?= build
PKGS	 = libseccomp libcap libcares libidn2 libssl libcrypto \
	   libpcre2-8
WARN	 = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
	   -Wstrict-prototypes -Wmissing-prototypes
HARDEN	 = -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	   -fstack-clash-protection -fPIE
OPT	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -Iinclude \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(EXTRA_CFLAGS)
LDFLAGS	+= -pie -Wl,-z,relro,-z,now $(EXTRA_LDFLAGS)
# Lookup table files as Debian's Postfix builds them (hash:/btree:
# Berkeley DB 5.3, lmdb:, cdb: tinycdb); libdb has no pkg-config file.
DICTLIBS = -ldb -llmdb -lcdb
LIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(DICTLIBS)
TESTLIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

MAIN_SRC = parent/main.c
LIB_SRC	 = $(filter-out $(MAIN_SRC),$(wildcard ipc/*.c policy/*.c parent/*.c child/*.c))
LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC = $(wildcard tests/unit/test_*.c tests/sandbox/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
AUX_SRC	 = $(wildcard tests/*/aux_*.c)
AUX_BIN	 = $(AUX_SRC:tests/%.c=$(BUILD)/tests/%)

DEB_PKGS = build-essential pkg-config libseccomp-dev libcap-dev \
	   libc-ares-dev libcmocka-dev libidn2-dev libssl-dev openssl postfix \
	   dnsmasq-base iproute2 clang libclang-rt-14-dev seccomp procps python3 \
	   pflogsumm nsd unbound ldnsutils libdb-dev liblmdb-dev libcdb-dev \
	   libpcre2-dev postfix-lmdb postfix-cdb postfix-pcre

# make deb only: Debian's packaging tools (not needed by make test's
# other suites; tests/pkg/t_deb.sh runs make deb-deps itself).
DEB_BUILD_TOOLS = debhelper dpkg-dev fakeroot lintian
DEB_OUT	?= $(BUILD)/deb

.PHONY: all deps deb-deps deb test asan demo install uninstall bench fuzz \
	fuzz-long clean tests

all: $(BUILD)/smtpjail

# Every header: the folders' own headers (ipc/*.h, parent/*.h, child/*.h)
# change struct layouts shared between their modules too.
$(BUILD)/%.o: %.c $(wildcard include/*.h ipc/*.h parent/*.h child/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libsmtpjail.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/smtpjail: $(BUILD)/$(MAIN_SRC:.c=.o) $(BUILD)/libsmtpjail.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Tests include the folders' headers (-Iparent -Ichild) and their own.
$(BUILD)/tests/%: tests/%.c $(BUILD)/libsmtpjail.a \
    $(wildcard include/*.h parent/*.h child/*.h tests/*.h tests/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -Iparent -Ichild $(LDFLAGS) -o $@ $< $(BUILD)/libsmtpjail.a \
	    $(TESTLIBS) $(LIBS)

# Test build only: the real parent with the scripted hostile child of
# tests/parent/hostile_child.c in place of child_main(). A copy of
# child_main.o with child_main weakened supplies everything else of that
# module (child_sandbox_spec), so the hook's strong child_main wins;
# build/smtpjail never links either (tests/parent/t_hostile_child.sh
# checks it).
HOSTILE_BIN = $(BUILD)/tests/parent/aux_hostile_smtpjail
$(HOSTILE_BIN): $(BUILD)/$(MAIN_SRC:.c=.o) $(BUILD)/tests/parent/hostile_child.o \
    $(BUILD)/libsmtpjail.a
	objcopy --weaken-symbol=child_main $(BUILD)/child/child_main.o \
	    $(BUILD)/tests/parent/child_main_weak.o
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/$(MAIN_SRC:.c=.o) \
	    $(BUILD)/tests/parent/hostile_child.o \
	    $(BUILD)/tests/parent/child_main_weak.o $(BUILD)/libsmtpjail.a $(LIBS)

tests: all $(TEST_BIN) $(AUX_BIN) $(HOSTILE_BIN)

# Installs what is missing from Debian's packages (as root).
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "make deps: installing:" $$missing; \
	    echo 'postfix postfix/main_mailer_type select No configuration' \
		| debconf-set-selections; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing; \
	fi

deb-deps:
	@missing=$$(for p in $(DEB_BUILD_TOOLS) pkg-config libseccomp-dev \
	    libcap-dev libc-ares-dev libidn2-dev libssl-dev libdb-dev \
	    liblmdb-dev libcdb-dev libpcre2-dev; do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "make deb-deps: installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The Debian package (debian/), built by dpkg-buildpackage from a copy
# of the source tree in $(DEB_OUT), checked by lintian.
deb: deb-deps
	./tests/pkg/build_deb.sh $(DEB_OUT)

test: deps
	$(MAKE) tests
	SJ_REQUIRE_SMTPJAIL=1 ./tests/run-tests.sh $(BUILD)

# Same suite with AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	$(MAKE) BUILD=build-asan OPT='-O1 -g -fno-omit-frame-pointer' \
	    EXTRA_CFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all -DSJ_ASAN' \
	    EXTRA_LDFLAGS='-fsanitize=address,undefined' tests
	UBSAN_OPTIONS=print_stacktrace=1 \
	    SJ_REQUIRE_SMTPJAIL=1 ./tests/run-tests.sh build-asan

demo: deps all
	./tests/e2e/demo.sh $(BUILD)/smtpjail

install: all
	./tests/e2e/install.sh $(BUILD)/smtpjail

uninstall:
	./tests/e2e/uninstall.sh

bench: deps all
	./tests/e2e/bench.sh $(BUILD)/smtpjail

# Runs every libFuzzer target for FUZZ_SECONDS each (builds them first).
# `make fuzz-long` runs each to FUZZ_RUNS executions instead (default
# 10^7, the campaign SECURITY.md records; hours on a shared machine).
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 10000000
FUZZ_LIMIT ?= -max_total_time=$(FUZZ_SECONDS)
FUZZ_OPT ?= -O1
fuzz-long:
	$(MAKE) fuzz FUZZ_LIMIT=-runs=$(FUZZ_RUNS) FUZZ_OPT=-O2

fuzz: deps
	SJ_BUILD=$(CURDIR)/$(BUILD) SJ_FUZZ_OPT=$(FUZZ_OPT) \
	    ./tests/fuzz/t_fuzz_corpus.sh
	@for f in $(BUILD)/fuzz/fuzz_*; do \
	    case $$f in *.log) continue;; esac; \
	    n=$${f##*/fuzz_}; c=$(BUILD)/fuzz/corpus-$$n; \
	    mkdir -p $$c && cp tests/fuzz/corpus/$$n/* $$c/ && \
	    echo "=== fuzz_$$n ($(FUZZ_LIMIT))" && \
	    case $$n in checks) ml=8709;; generic_hdr) ml=16385;; \
		*) ml=65536;; esac; \
	    $$f $(FUZZ_LIMIT) -max_len=$$ml $$c \
		> $$c.log 2>&1; rc=$$?; \
	    grep -E '^Done|ERROR|SUMMARY' $$c.log; \
	    [ $$rc -eq 0 ] || { echo "fuzz_$$n failed: see $$c.log"; exit 1; }; \
	done

clean:
	rm -rf build build-asan

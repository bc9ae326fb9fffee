#!/bin/sh
# NAME
#	t_fuzz_corpus.sh - run every fuzz target once over its corpus
# DESCRIPTION
#	Compiles every library source (ipc/ policy/ parent/ child/, not
#	parent/main.c) once with clang, ASan, UBSan and libFuzzer's
#	coverage into $out/libsmtpjail-fuzz.a (libsmtpjail.a is built with
#	gcc flags), so a target never has to list what its module needs.
#	For each tests/fuzz/fuzz_<name>.c: link it against that archive
#	(and libseccomp, libcap, c-ares, libidn2, OpenSSL, and the table
#	libraries: Berkeley DB, LMDB, tinycdb; PCRE2 for pcre: content
#	checks; a /* FUZZ_LIBS: -lfoo */ comment
#	line adds more), then
#	run it once over tests/fuzz/corpus/<name>/ with -runs=0 (every seed
#	executed, no mutation, nothing written). Prints one
#	"ok - fuzz_<name> corpus" or "not ok - ..." line per target. Without
#	clang or its libFuzzer runtime each target is reported as skipped.
#	Binaries and logs go to $SJ_BUILD/fuzz (default build/fuzz).
# SEE ALSO
#	tests/run-tests.sh, tests/fuzz/fuzz_*.c

top=${SJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 2
out=${SJ_BUILD:-$top/build}/fuzz
mkdir -p "$out" || exit 2

# SJ_FUZZ_OPT: -O1 for the corpus replay of make test, -O2 for make
# fuzz-long (1.6x the executions per second of fuzz_qrec, same sanitizers).
CFLAGS_FUZZ="-std=c11 -D_GNU_SOURCE -g ${SJ_FUZZ_OPT:--O1} -fno-omit-frame-pointer \
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
-Iinclude -Itests -Iparent -Ichild"

# Can clang build a libFuzzer binary at all?
have_fuzzer() {
	command -v clang >/dev/null 2>&1 || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' > "$out/probe.c"
	clang -fsanitize=fuzzer -o "$out/probe" "$out/probe.c" \
	    >/dev/null 2>&1
}

# The text of a "/* KEY: ... */" line of a source file.
directive() {	# file key
	sed -n "s|^[[:space:]]*/\*[[:space:]]*$2:\(.*\)\*/[[:space:]]*\$|\1|p" \
	    "$1" | head -n 1
}

skip=""
have_fuzzer || skip="clang with libFuzzer not available"

# The library, instrumented, once for every target.
lib=$out/libsmtpjail-fuzz.a
libfail=""
if [ -z "$skip" ]; then
	rm -f "$lib"
	mkdir -p "$out/obj"
	for c in ipc/*.c policy/*.c parent/*.c child/*.c; do
		[ "$c" = parent/main.c ] && continue
		o=$out/obj/$(echo "${c%.c}" | tr / _).o
		if ! clang $CFLAGS_FUZZ -c -o "$o" \
		    "$c" > "$out/lib.build.log" 2>&1; then
			libfail="library source $c does not compile with clang"
			sed 's/^/# /' "$out/lib.build.log" | head -n 20
			break
		fi
		objs="${objs:-} $o"
	done
	# shellcheck disable=SC2086 # one word per object
	[ -z "$libfail" ] && ! ar rcs "$lib" $objs && libfail="ar failed"
fi

for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	base=$(basename "$src" .c)
	name=${base#fuzz_}
	corpus=tests/fuzz/corpus/$name
	if [ -n "$skip" ]; then
		echo "ok - $base corpus # SKIP $skip"
		continue
	fi
	if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
		echo "not ok - $base corpus: no seed files in $corpus"
		continue
	fi
	libs=$(directive "$src" FUZZ_LIBS)
	# shellcheck disable=SC2086 # word splitting of the lists is wanted
	if [ -n "$libfail" ] || ! clang $CFLAGS_FUZZ -o "$out/$base" "$src" \
	    "$lib" -lseccomp -lcap -lcares -lidn2 -lssl -lcrypto \
	    -ldb -llmdb -lcdb -lpcre2-8 $libs \
	    > "$out/$base.build.log" 2>&1; then
		[ -n "$libfail" ] && echo "$libfail" > "$out/$base.build.log"
		echo "not ok - $base corpus: build failed"
		sed 's/^/# /' "$out/$base.build.log" | head -n 30
		continue
	fi
	if ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1 \
	    timeout 20 "$out/$base" -runs=0 -timeout=10 \
	    -artifact_prefix="$out/$base-" "$corpus" \
	    > "$out/$base.run.log" 2>&1; then
		echo "ok - $base corpus"
	else
		echo "not ok - $base corpus: see $out/$base.run.log"
		grep -E 'ERROR|SUMMARY|==[0-9]+==|Test unit written' \
		    "$out/$base.run.log" | sed 's/^/# /' | head -n 30
	fi
done
exit 0

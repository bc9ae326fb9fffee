#!/bin/bash
# NAME
#	build_deb.sh - make deb: the Debian package from a clean tree
# SUMMARY
#	tests/pkg/build_deb.sh OUTDIR
# DESCRIPTION
#	Copies the source files of this tree (what git tracks plus new
#	files it does not ignore; without git, everything but build
#	directories) into OUTDIR/smtpjail-VERSION, so that nothing built
#	here reaches the package, and runs "dpkg-buildpackage -us -uc"
#	there (unsigned source and binary packages in OUTDIR), then
#	lintian on the .changes, which must report no error and no
#	warning (debian/source/lintian-overrides and
#	debian/smtpjail.lintian-overrides explain each tag left).
#	VERSION comes from debian/changelog and must equal SJ_VERSION of
#	include/sj_version.h. The build log is OUTDIR/build.log.
# SEE ALSO
#	tests/pkg/t_deb.sh, debian/README.Debian
set -u
die() {
	echo "make deb: $*" >&2
	exit 1
}
[ $# -eq 1 ] || die "usage: $0 OUTDIR"
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
for c in dpkg-buildpackage dh lintian; do
	command -v "$c" > /dev/null || die "$c missing (make deb-deps)"
done
ver=$(cd "$top" && dpkg-parsechangelog -S Version) ||
    die "cannot read debian/changelog"
sjv=$(sed -n 's/^#define SJ_VERSION[[:space:]]*"\(.*\)"/\1/p' \
    "$top/include/sj_version.h")
[ "$ver" = "$sjv" ] ||
    die "debian/changelog says $ver, include/sj_version.h says $sjv"

src=$out/smtpjail-$ver
rm -rf "$src" "$out"/smtpjail_"$ver"*
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	    while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	    done | tar --null -T - -cf -) | tar -xf - -C "$src" ||
	    die "cannot copy the tree"
else
	(cd "$top" && tar --exclude=./build --exclude=./build-asan \
	    --exclude="./${out#"$top"/}" -cf - .) | tar -xf - -C "$src" ||
	    die "cannot copy the tree"
fi
echo "make deb: building smtpjail $ver in $src"
if ! (cd "$src" && dpkg-buildpackage -us -uc) > "$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	die "dpkg-buildpackage failed (see $out/build.log)"
fi
changes=$(ls "$out"/smtpjail_"$ver"_*.changes 2>/dev/null | head -n 1)
[ -n "$changes" ] || die "no .changes in $out"
echo "make deb: lintian $changes"
lintian --fail-on error,warning --display-info "$changes" ||
    die "lintian reports errors or warnings"
ls "$out"/smtpjail_"$ver"_*.deb

#!/bin/sh
# The manual pages against the code: every smtpjail_* parameter of the
# defaults table (parent/cfg_defaults.c) has an entry in smtpjail(5) with
# the same default, and no entry names a parameter the code does not
# know; both pages carry SJ_VERSION (include/sj_version.h) and format
# without a groff/man warning.
set -u
top=${SJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
page5=doc/smtpjail.5 page8=doc/smtpjail.8
tab=$(sed -n 's/^[[:space:]]*{"\(smtpjail_[a-z_]*\)", "\([^"]*\)"},.*/\1 \2/p' \
    parent/cfg_defaults.c)
if [ -z "$tab" ]; then
	echo "not ok - no smtpjail_* defaults found in parent/cfg_defaults.c"
	exit 1
fi
n=0
echo "$tab" | {
	bad=
	while read -r name dflt; do
		n=$((n + 1))
		grep -qxF ".SH \"$name (default: $dflt)\"" "$page5" ||
		    bad="$bad $name"
	done
	if [ -z "$bad" ]; then
		echo "ok - smtpjail(5) documents all $n smtpjail_* parameters with their defaults"
	else
		echo "not ok - smtpjail(5) lacks (or has another default for):$bad"
	fi
}
stale=
for name in $(sed -n 's/^\.SH "\(smtpjail_[a-z_]*\) .*/\1/p' "$page5"); do
	echo "$tab" | grep -q "^$name " || stale="$stale $name"
done
[ -z "$stale" ] && echo "ok - smtpjail(5) names no parameter the code lacks" ||
    echo "not ok - smtpjail(5) documents unknown parameters:$stale"
ver=$(sed -n 's/^#define SJ_VERSION[[:space:]]*"\(.*\)"/\1/p' include/sj_version.h)
for p in "$page5" "$page8"; do
	if grep -q "^\.TH SMTPJAIL [58] \"\" \"smtpjail $ver\"" "$p"; then
		echo "ok - $p carries version $ver"
	else
		echo "not ok - $p does not carry version $ver"
	fi
	if ! command -v man >/dev/null 2>&1; then
		echo "not ok - man (man-db) is not installed"
		continue
	fi
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
	if [ -z "$w" ]; then
		echo "ok - $p formats without warnings"
	else
		echo "not ok - $p: $w"
	fi
done
grep -q 'SEE ALSO' "$page8" && grep -q '^smtp(8)' "$page8" &&
    echo "ok - smtpjail(8) refers to smtp(8)" ||
    echo "not ok - smtpjail(8) lacks SEE ALSO smtp(8)"

#!/bin/sh
# tests/install.sh — `make install` into a scratch prefix, then, as a program
# outside the tree would: build tests/install/example.c with nothing but
# pkg-config's flags for the installed xbar.pc, run it (it checks its own
# numbers and exits 1 if one is wrong), and check the installed man page
# with groff and the installed binary. Run by `make check` (MAKE, BUILD set).
set -eu
: "${MAKE:=make}" "${BUILD:=build}"
prefix=$(pwd)/$BUILD/install-test
rm -rf "$prefix"
fail=0
say() { echo "install: $*"; }
bad() { echo "install: FAIL: $*"; fail=1; }

$MAKE --no-print-directory install PREFIX="$prefix" >"$BUILD/install-test.log" 2>&1 ||
    { cat "$BUILD/install-test.log"; bad "make install PREFIX=$prefix failed"; exit 1; }

for f in bin/xbar lib/libxbar.a include/xbar/xbar.h include/xbar/xb_xbar.h \
         lib/pkgconfig/xbar.pc share/man/man1/xbar.1; do
    [ -s "$prefix/$f" ] || bad "$f is not installed"
done

# Only the installed tree: the example is copied out of the source tree and
# compiled there, so no include path of the checkout can help it.
work=$prefix/example
mkdir -p "$work"
cp tests/install/example.c "$work/"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion xbar)" = "$(sed -n 's/^#define XB_VERSION "\(.*\)"/\1/p' sim/io/xb_version.h)" ] ||
    bad "pkg-config --modversion xbar is not XB_VERSION"
if (cd "$work" && ${CC:-gcc} -std=c11 -Wall -Wextra -Werror example.c \
        $(pkg-config --cflags --libs xbar) -o example) >"$work/cc.log" 2>&1; then
    if out=$("$work/example" 2>&1); then
        say "$out"
    else
        echo "$out"; bad "the example's checks failed"
    fi
else
    cat "$work/cc.log"; bad "the example does not build with pkg-config's flags alone"
fi

# The man page: groff finds no error in it, and it holds every subcommand
# the installed binary lists.
man=$prefix/share/man/man1/xbar.1
warn=$(groff -k -man -Tutf8 -ww -z "$man" 2>&1) || bad "groff failed on xbar.1"
[ -z "$warn" ] || { echo "$warn"; bad "groff warns on xbar.1"; }
for c in $("$prefix/bin/xbar" --help | awk '/^subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
    grep -q "^\.SS xbar $c\$" "$man" || bad "xbar.1 has no section for xbar $c"
done
"$prefix/bin/xbar" --version >/dev/null || bad "the installed xbar does not run"

[ $fail = 0 ] && say "make install, pkg-config example and man page: passed"
exit $fail

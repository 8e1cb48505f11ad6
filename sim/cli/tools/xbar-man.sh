#!/bin/sh
# xbar-man.sh XBAR > xbar.1 — the manual page, generated from the binary's
# own usage texts (`xbar --help`, `xbar help CMD`), which the option and key
# tables of sim/cli/xb_cli.c print: the page cannot disagree with --help.
# `make install` installs it; tests/install.sh checks it with groff.
set -eu
xbar=$1

# roff: a backslash is \e; a line starting with . or ' is not a request.
esc() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

version=$("$xbar" --version | sed 's/^xbar //')
cmds=$("$xbar" --help | awk '/^subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
[ -n "$cmds" ] || { echo "xbar-man.sh: $xbar --help lists no subcommands" >&2; exit 1; }

cat <<HEAD
.\\" -*- coding: UTF-8 -*-
.TH XBAR 1 "" "xbar $version" "User Commands"
.SH NAME
xbar \\- analog in-memory computing on memory-cell crossbars: noise, devices, networks, studies
.SH SYNOPSIS
.B xbar
.I subcommand
.RI [ options ]
.br
.B xbar help
.I subcommand
.br
.B xbar \\-\\-version
.SH DESCRIPTION
.nf
HEAD
"$xbar" --help | esc
echo ".fi"
echo ".SH SUBCOMMANDS"
for c in $cmds; do
    echo ".SS xbar $c"
    echo ".nf"
    "$xbar" help "$c" | esc
    echo ".fi"
done
cat <<'TAIL'
.SH EXIT STATUS
0 on success, 1 on a failure while running, 2 on a usage error or bad input
(the input is named in one line on standard error).
.SH ENVIRONMENT
.TP
.B XBAR_DATA
the folder of the data sets when a config's data.dir is empty (else data/).
.TP
.B OMP_NUM_THREADS
the default thread count; numbers do not depend on it.
.SH SEE ALSO
README.md, ARCHITECTURE.md and the folder READMEs of the xbar source tree;
.BR pkgconf (1)
for linking libxbar (xbar.pc).
TAIL

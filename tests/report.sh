#!/bin/sh
# tests/report.sh — `xbar report`'s page in a real browser (run by `make check`).
#
#   XBAR=build/xbar sh tests/report.sh
#
# Makes a small sweep on the synthetic data set, writes its page, and loads
# it in headless Chromium (Debian's chromium, installed by make deps):
#   - the page loads with no console message (no failed resource, no script
#     error) and the browser's DOM ends in </html>;
#   - it holds one <figure> per SVG figure `xbar plot` draws for the same
#     file, each with an <svg> that has drawn paths, and the rendered page
#     is a screenshot of some size;
#   - the accuracy table's cells are the file's numbers: each data-value
#     equals the mean over repeats of /sweep/accuracy as h5dump prints it,
#     and the voting table's equal /sweep/accuracy_vote at K_max;
#   - a study's page has the study's figures and one row per point, its
#     accuracy the mean over repeats of /study/accuracy.
# The last line is "report: N passed, M failed"; exit 1 if any failed.
set -u

XBAR=${XBAR:-build/xbar}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xbar-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
finish() { echo "report: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    bad "no chromium: run make deps (Debian package chromium)"
    finish
fi

cat >"$tmp/syn.cfg" <<EOT
model = { name = "tiny"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "flatten"; }, { type = "dense"; units = 16; }, { type = "noise"; },
             { type = "relu"; }, { type = "dense"; units = 10; }, { type = "noise"; } ); };
data = { set = "synthetic"; validation = 0.1; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 2; };
sweep = { noise = "mult"; sigma_train = [0.0, 0.5]; sigma_test = [0.0, 0.3, 0.6]; repeats = 3;
  votes = 3; eval_rows = 96; output = "$tmp/syn.h5"; };
EOT
"$XBAR" sweep "$tmp/syn.cfg" --quiet >/dev/null 2>"$tmp/err" || { bad "sweep: $(head -c 300 "$tmp/err")"; finish; }
"$XBAR" report "$tmp/syn.h5" -o "$tmp/page.html" --quiet 2>"$tmp/err" && [ -s "$tmp/page.html" ] &&
    ok "xbar report writes the page" || { bad "report: $(head -c 300 "$tmp/err")"; finish; }
ls -a "$tmp" | grep -q '^\.xbar-report' && bad "the figures' temporary folder is left behind" ||
    ok "no temporary folder left"

# Loaded offline (no network in a file:// page without outside resources).
chrome() {
    "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
        --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 "$@"
}
chrome --dump-dom "file://$tmp/page.html" >"$tmp/dom.html" 2>"$tmp/browser.log"
if [ -s "$tmp/dom.html" ] && tail -c 200 "$tmp/dom.html" | grep -q '</html>'; then
    ok "the browser loads the page"
else
    bad "the browser's DOM is empty or cut: $(tail -5 "$tmp/browser.log")"
fi
if grep -q 'CONSOLE' "$tmp/browser.log"; then
    bad "console messages: $(grep CONSOLE "$tmp/browser.log" | head -3)"
else
    ok "no console message while loading"
fi

# Figures: as many as xbar plot draws as SVG, each with drawn paths.
"$XBAR" plot "$tmp/syn.h5" -o "$tmp/figs" --quiet >/dev/null 2>&1
want=$(ls "$tmp/figs"/*.svg 2>/dev/null | wc -l)
got=$(grep -o '<figure id="fig-[a-z_]*"' "$tmp/dom.html" | wc -l)
[ "$want" -gt 0 ] && [ "$got" -eq "$want" ] && ok "$got figures, as xbar plot draws" ||
    bad "$got figures on the page, xbar plot draws $want"
empty=$(awk 'BEGIN { RS = "<figure " } NR > 1 && !(/<svg/ && /<path/) { n++ } END { print n + 0 }' \
    "$tmp/dom.html")
[ "$empty" -eq 0 ] && ok "every figure has an svg with drawn paths" || bad "$empty figures are empty"
chrome --screenshot="$tmp/shot.png" --window-size=1200,3000 "file://$tmp/page.html" \
    >/dev/null 2>>"$tmp/browser.log"
size=$(wc -c <"$tmp/shot.png" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] && ok "the rendered page is a ${size}-byte screenshot" ||
    bad "screenshot of $size bytes"

# Numbers: the page's data-values against h5dump of the file.
cells() { # TABLE-ID: the data-value of each <td> of that table, one per line
    awk -v id="$1" 'index($0, "<table id=\"" id "\"") { on = 1 } on { print } on && /<\/table>/ { exit }' \
        "$tmp/dom.html" | grep -o '<td data-value="[^"]*"' | sed 's/.*="\(.*\)"/\1/'
}
dump() { # DATASET: its values, one per line, %.17g
    h5dump -d "$1" -y -w 0 -m '%.17g' -o "$tmp/d.txt" "$tmp/syn.h5" >/dev/null 2>&1
    tr -s ', \n' '\n\n\n' <"$tmp/d.txt" | grep .
}
# /sweep/accuracy is [2 x 3 x 3]: the mean of every 3 values, in order.
dump /sweep/accuracy | awk '{ s += $1 } NR % 3 == 0 { printf "%.17g\n", s / 3; s = 0 }' >"$tmp/want"
cells accuracy >"$tmp/got"
compare() { # NAME: got and want equal, count and values (relative 1e-12)
    if [ -s "$tmp/want" ] && paste "$tmp/got" "$tmp/want" | awk '
        NF != 2 { exit 1 } { d = $1 - $2; if (d < 0) d = -d; m = $2 < 0 ? -$2 : $2;
                             if (d > 1e-12 * (m > 1e-300 ? m : 1)) exit 1 } END { if (NR == 0) exit 1 }' &&
        [ "$(wc -l <"$tmp/got")" -eq "$(wc -l <"$tmp/want")" ]; then
        ok "$1: $(wc -l <"$tmp/got") cells equal the file's numbers"
    else
        bad "$1: page $(tr '\n' ' ' <"$tmp/got") vs file $(tr '\n' ' ' <"$tmp/want")"
    fi
}
compare "accuracy table"
# /sweep/accuracy_vote is [2 x 3 x 3]: every third value (K = 3).
dump /sweep/accuracy_vote | awk 'NR % 3 == 0' >"$tmp/want"
cells accuracy_vote >"$tmp/got"
compare "voting table"
grep -q '<pre id="config">' "$tmp/dom.html" && grep -q 'name = &quot;tiny&quot;\|name = "tiny"' "$tmp/dom.html" &&
    ok "the resolved config is on the page" || bad "no config on the page"
grep -q '<th>command_line</th>' "$tmp/dom.html" && ok "the provenance is on the page" ||
    bad "no provenance on the page"

# A study (a train.lr axis over the same sweep): the study's figures, as
# xbar plot draws them, and one table row per point whose accuracy is the
# mean over repeats of /study/accuracy [2 x 2 x 3 x 3] — not the paper-001
# tables of the flat grid.
{ sed "s|$tmp/syn.h5|$tmp/study.h5|" "$tmp/syn.cfg"
  echo 'study = { axes = ( { key = "train.lr"; values = [0.01, 0.02]; } ); };'
} >"$tmp/study.cfg"
"$XBAR" sweep "$tmp/study.cfg" --quiet >/dev/null 2>"$tmp/err" &&
    "$XBAR" report "$tmp/study.h5" -o "$tmp/study.html" --quiet 2>"$tmp/err" ||
    { bad "study report: $(head -c 300 "$tmp/err")"; finish; }
chrome --dump-dom "file://$tmp/study.html" >"$tmp/dom.html" 2>"$tmp/browser.log"
"$XBAR" plot "$tmp/study.h5" -o "$tmp/sfigs" --quiet >/dev/null 2>&1
want=$(ls "$tmp/sfigs"/*_study_*.svg 2>/dev/null | wc -l)
got=$(grep -o '<figure id="fig-study_[a-z_]*"' "$tmp/dom.html" | wc -l)
[ "$want" -gt 0 ] && [ "$got" -eq "$want" ] && ! grep -q 'CONSOLE' "$tmp/browser.log" &&
    ok "study page: $got study figures, as xbar plot draws" ||
    bad "study page: $got figures, xbar plot draws $want; $(grep CONSOLE "$tmp/browser.log" | head -2)"
h5dump -d /study/accuracy -y -w 0 -m '%.17g' -o "$tmp/d.txt" "$tmp/study.h5" >/dev/null 2>&1
tr -s ', \n' '\n\n\n' <"$tmp/d.txt" | grep . |
    awk '{ s += $1 } NR % 3 == 0 { printf "%.17g\n", s / 3; s = 0 }' >"$tmp/want"
awk 'index($0, "<table id=\"points\"") { on = 1 } on && /^<tr>/ {
        if (match($0, /<td data-value="[^"]*"/)) print substr($0, RSTART + 16, RLENGTH - 17) }
     on && /<\/table>/ { exit }' "$tmp/dom.html" >"$tmp/got"
compare "study points table"
grep -q '<table id="summary"\|<table id="accuracy"' "$tmp/dom.html" &&
    bad "study page: the flat grid's tables are shown" || ok "study page: no flat-grid tables"
# An attack result (xbar attack -o on 2 PCM chips): its page loads with no console
# message, holds the accuracy-vs-eps figure, and its robustness table (a row per eps:
# Ori., then each attack) is /attack/accuracy_clean and /attack/accuracy, the means over
# the chips.
cat >"$tmp/att.cfg" <<EOT
@include "syn.cfg"
attack = { attacks = "fgsm, pgd"; eps = [0.0, 0.1, 0.3]; images = 40; step = 0.05; steps = 3; };
EOT
"$XBAR" attack "$tmp/att.cfg" --model "$tmp/syn.h5" -q -o "$tmp/att.h5" --set device.type=pcm \
    --set sweep.repeats=2 >/dev/null 2>"$tmp/err" &&
    "$XBAR" report "$tmp/att.h5" -o "$tmp/att.html" --quiet 2>>"$tmp/err" && [ -s "$tmp/att.html" ] &&
    ok "xbar report writes an attack result's page" || bad "attack report: $(head -c 300 "$tmp/err")"
chrome --dump-dom "file://$tmp/att.html" >"$tmp/dom.html" 2>"$tmp/browser.log"
tail -c 200 "$tmp/dom.html" | grep -q '</html>' && ! grep -q 'CONSOLE' "$tmp/browser.log" &&
    ok "the browser loads the attack page with no console message" ||
    bad "attack page: $(tail -3 "$tmp/browser.log")"
[ "$(grep -o '<figure id="fig-attack_acc_vs_eps"' "$tmp/dom.html" | wc -l)" -eq 1 ] &&
    ok "the attack page holds the accuracy-vs-eps figure" || bad "no accuracy-vs-eps figure on the attack page"
h5dump -d /attack/accuracy_clean -y -w 0 -m '%.17g' -o "$tmp/c.txt" "$tmp/att.h5" >/dev/null 2>&1
h5dump -d /attack/accuracy -y -w 0 -m '%.17g' -o "$tmp/d.txt" "$tmp/att.h5" >/dev/null 2>&1
{ tr -s ', \n' '\n\n\n' <"$tmp/c.txt" | grep .; tr -s ', \n' '\n\n\n' <"$tmp/d.txt" | grep .; } |
    awk 'NR == 1 { clean = $1; next } { a[NR - 2] = $1 }
         END { for (j = 0; j < 3; j++) { print clean; for (k = 0; k < 2; k++) print a[k * 3 + j] } }' >"$tmp/want"
cells accuracy >"$tmp/got"
compare "attack robustness table"
finish

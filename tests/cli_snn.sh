#!/bin/sh
# tests/cli_snn.sh — a spiking network through every command a dense net
# goes through (issue 11 item 6), end to end; run by tests/cli.sh:
#
#   XBAR=build/xbar sh tests/cli_snn.sh
#
# A small SNN (Bernoulli-coded 8 x 8 synthetic images, T = 4, 8x8-24-10 LIF,
# membrane-sum readout) in a sigma_train x sigma_test sweep of the neurons'
# additive noise with 20 votes:
#   - the result file is the same, dataset by dataset and bit for bit
#     (h5dump -m %a: floats in hexadecimal), for 1 and 2 threads, and for a
#     run killed with SIGKILL twice — once as soon as its file appears (in
#     the first model's training), once after its first point was evaluated —
#     each kill resumed with --resume on the other thread count;
#   - `xbar info` summarises it (20 votes, every point done) and `xbar plot`
#     draws its figures;
#   - the device preset configs/devices/pcm_1h.cfg runs the same model as a
#     device sweep (chips read at 1 s and 1 h), bit-identical for 1 and 2
#     threads, and `xbar eval` on those chips prints the sweep's 20-vote
#     accuracy and measured SNR at each read time;
#   - xbar attack with attack.surrogates (issue 12): each reported accuracy
#     is the lowest over the surrogates, each surrogate's row is the attack
#     through it alone, the clean accuracy does not move, -o writes them;
#     unknown or repeated names, and surrogates on a dense model, exit 2;
#     attack.eot takes the Bernoulli spikes' draws on a noiseless SNN.
# Nothing here depends on timing: a kill that lands after the run ended
# (it would need seconds of work done in a few milliseconds) is reported
# and the resume check then runs on the finished file.
# The last line is "cli_snn: N passed, M failed"; exit 1 if any failed.
set -u

XBAR=${XBAR:-build/xbar}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xbar-cli-snn.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
OMP_WAIT_POLICY=passive # idle threads sleep: --threads 2 on a loaded machine
export OMP_WAIT_POLICY

cat >"$tmp/snn.cfg" <<EOT
model = { name = "tiny-snn"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "encode"; steps = 4; encoding = "bernoulli"; },
             { type = "lif"; units = 24; leak = 0.5; },
             { type = "lif"; units = 10; leak = 0.5; readout = "membrane-sum"; } ); };
data = { set = "synthetic"; validation = 0.1; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 12; };
sweep = { noise = "add"; sigma_train = [0.0, 0.5, 1.0]; sigma_test = [0.0, 0.5, 1.0];
  repeats = 2; votes = 20; eval_rows = 640; output = "$tmp/out.h5"; };
EOT

# dump FILE: every dataset and attribute of the result but the root
# attributes that say how the file was made (time, threads, command line).
dump() { h5dump -m %a -g /sweep -g /models -g /train -d /config "$1" 2>&1 | tail -n +2; }

# same NAME A B: the dumps of A and B agree.
same() {
    dump "$2" >"$tmp/d1"
    dump "$3" >"$tmp/d2"
    if [ -s "$tmp/d1" ] && grep -q "accuracy_vote" "$tmp/d1" && cmp -s "$tmp/d1" "$tmp/d2"; then
        ok "$1"
    else
        bad "$1: $(diff "$tmp/d1" "$tmp/d2" | head -6)"
    fi
}

# killed_at WHEN THREADS ARGS...: runs xbar ARGS in the background and kills
# it with SIGKILL when WHEN holds (polled every 10 ms): "file" once the
# result file exists, "point" once it holds a finished point.
killed_at() {
    when=$1 threads=$2
    shift 2
    "$XBAR" "$@" --threads "$threads" --quiet >/dev/null 2>"$tmp/err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if [ -e "$tmp/out.h5" ]; then
            [ "$when" = file ] && break
            "$XBAR" info "$tmp/out.h5" 2>/dev/null | grep -Eq '^done +[1-9][0-9]* of' && break
        fi
        sleep 0.01
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    if [ "$rc" -eq 137 ]; then
        ok "sweep killed with SIGKILL ($when, --threads $threads): $("$XBAR" info "$tmp/out.h5" 2>/dev/null | grep '^done')"
    elif [ "$rc" -eq 0 ]; then
        echo "note the run ended before its kill ($when)"
    else
        bad "sweep before its kill ($when): exit $rc, $(head -c 300 "$tmp/err")"
    fi
}

# ---- the noise sweep: threads, kills and --resume ----------------------------------
"$XBAR" sweep "$tmp/snn.cfg" --threads 1 --quiet 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && mv "$tmp/out.h5" "$tmp/ref.h5" && ok "SNN sweep with 20 votes" ||
    bad "SNN sweep: exit $rc, $(head -c 300 "$tmp/err")"
"$XBAR" sweep "$tmp/snn.cfg" --threads 2 --quiet 2>"$tmp/err" && mv "$tmp/out.h5" "$tmp/two.h5"
same "SNN sweep: 1 and 2 threads bit-identical" "$tmp/ref.h5" "$tmp/two.h5"

killed_at file 1 sweep "$tmp/snn.cfg"
killed_at point 2 sweep "$tmp/snn.cfg" --resume
"$XBAR" sweep "$tmp/snn.cfg" --resume --threads 1 --quiet 2>"$tmp/err" ||
    bad "SNN sweep --resume: exit $?, $(head -c 300 "$tmp/err")"
same "SNN sweep killed twice and resumed: bit-identical to the uninterrupted run" \
    "$tmp/ref.h5" "$tmp/out.h5"
[ -z "$(ls -A "$tmp" | grep '\.tmp$')" ] && ok "no temporary left after the kills" ||
    bad "left behind: $(ls -A "$tmp" | grep '\.tmp$')"

# ---- info and plot ---------------------------------------------------------------
"$XBAR" info "$tmp/ref.h5" >"$tmp/info" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q "^grid .*3 sigma_train x 3 sigma_test, 2 repeats, votes K = 1..20$" "$tmp/info" &&
    grep -q "^done  *9 of 9 points$" "$tmp/info" && grep -q "majority of K = 20" "$tmp/info" &&
    grep -q "model tiny-snn, noise add" "$tmp/info" &&
    ok "xbar info shows the SNN sweep" || bad "xbar info: exit $rc, $(head -c 600 "$tmp/info") $(head -c 300 "$tmp/err")"
# The sweep's spiking activity at (sigma_train 1, sigma_test 1) is what xbar
# eval measures on that model (issue 11 item 2).
"$XBAR" eval "$tmp/snn.cfg" --model "$tmp/ref.h5" --point 2 --set sweep.sigma_test=1 >"$tmp/evaln" 2>"$tmp/err"
rc=$?
h5v() { h5dump -m "$4" -d "$1" -s "$2" -c "$3" "$tmp/ref.h5" |
        awk '/^ *\([0-9,]*\): [-0-9.eEinf, ]+$/ { sub(/^ *\([0-9,]*\): /, ""); gsub(/,/, " "); print }'; }
want="$(h5v /sweep/spike_activity 2,2,0,0 1,1,1,2 %.6f) $(h5v /sweep/spike_energy 2,2,0 1,1,3 %.6g)"
got="$(awk '/^spike_layer_1:/ { print $3, $5 } /^spike_energy_j:/ { print $3, $5, $7 }' "$tmp/evaln")"
[ "$rc" -eq 0 ] && [ "$(echo $want)" = "$(echo $got)" ] && [ "$(echo $want | wc -w)" -eq 5 ] &&
    ok "SNN sweep's spike_activity and spike_energy at a point are xbar eval's: $(echo $got)" ||
    bad "SNN sweep activity: stored '$(echo $want)', eval printed '$(echo $got)' (exit $rc, $(head -c 200 "$tmp/err"))"
# xbar energy prices the SNN at full activity, the sweep's /sweep/energy, and says so;
# the measured activity costs less on the crossbars.
"$XBAR" energy "$tmp/snn.cfg" --votes 1 >"$tmp/energy" 2>"$tmp/err"
rc=$?
full=$(h5v /sweep/energy 0 1 %.6g)
got=$(awk '/^energy_per_inference_j:/ { print $2 }' "$tmp/energy")
meas=$(h5v /sweep/spike_energy 2,2,0 1,1,1 %.17g)
[ "$rc" -eq 0 ] && [ -n "$full" ] && [ "$got" = "$full" ] && grep -q '^spiking_layers_at_full_activity:' "$tmp/energy" &&
    awk -v m="$meas" -v f="$got" 'BEGIN { exit !(m + 0 > 0 && m + 0 < f + 0) }' &&
    ok "xbar energy on the SNN: $got J at full activity (the sweep's), $meas J measured" ||
    bad "xbar energy on the SNN: exit $rc, $got J vs the sweep's $full, measured $meas, $(tail -n 2 "$tmp/energy")"
# The /study view prices the SNN at each point's measured activity: 20 votes times the
# crossbar figure of /sweep/spike_energy, not /sweep/energy's full activity.
st=$(h5v /study/energy 2,2 1,1 %.17g)
want=$(awk -v m="$meas" 'BEGIN { printf "%.17g", 20 * m }')
[ -n "$st" ] && [ "$st" = "$want" ] &&
    ok "/study/energy of the SNN at (1, 1): $st J, 20 x the measured $meas J" ||
    bad "/study/energy of the SNN at (1, 1): '$st' J, want 20 x $meas = $want"
# xbar info shows the measured energy per point (nJ, 3 digits): sigma_train 1 at sigma_test 1.
want=$(awk -v m="$meas" 'BEGIN { printf "%.3g", m * 1e9 }')
got=$(awk '/measured spiking activity/ { on = 1 } on && /^σ_train = 1.0 / { print $NF; exit }' "$tmp/info")
[ -n "$got" ] && [ "$got" = "$want" ] && grep -q '^full activity .* nJ on the crossbars' "$tmp/info" &&
    ok "xbar info's spiking energy table: $got nJ at (1, 1), /sweep/spike_energy's" ||
    bad "xbar info's spiking energy: '$got' nJ, want '$want' from /sweep/spike_energy"
"$XBAR" plot "$tmp/ref.h5" -o "$tmp/figs" >"$tmp/plot" 2>"$tmp/err"
rc=$?
missing=
for fig in acc_vs_sigma err_vs_sigma acc_vs_snr heatmap acc_vs_votes; do
    for ext in png svg; do
        [ -s "$tmp/figs/ref_$fig.$ext" ] || missing="$missing ref_$fig.$ext"
    done
done
if ! command -v gnuplot >/dev/null; then
    echo "skip xbar plot: no gnuplot"
elif [ "$rc" -eq 0 ] && [ -z "$missing" ]; then
    ok "xbar plot draws the SNN sweep's figures ($(wc -l <"$tmp/plot") files)"
else
    bad "xbar plot: exit $rc, missing$missing, $(head -c 300 "$tmp/err")"
fi

# ---- a device preset on the SNN, and xbar eval on its chips ------------------------
preset="$root/configs/devices/pcm_1h.cfg"
dev_sweep() {
    "$XBAR" sweep "$tmp/snn.cfg" --config "$preset" --set sweep.test=device --set sweep.t=1,3600 \
        --set sweep.sigma_train=0,1 --set "sweep.output=$tmp/$1" \
        --threads "$2" --quiet 2>"$tmp/err"
}
dev_sweep dev2.h5 2 && mv "$tmp/dev2.h5" "$tmp/dev-threads2.h5"
dev_sweep dev2.h5 1
rc=$?
mv "$tmp/dev2.h5" "$tmp/dev.h5" 2>/dev/null
[ "$rc" -eq 0 ] && "$XBAR" info "$tmp/dev.h5" 2>/dev/null | grep -q "noise pcm" &&
    ok "SNN device sweep on $(basename "$preset")" ||
    bad "SNN device sweep: exit $rc, $(head -c 300 "$tmp/err")"
same "SNN device sweep: 1 and 2 threads bit-identical" "$tmp/dev.h5" "$tmp/dev-threads2.h5"
for threads in 1 2; do
    "$XBAR" eval "$tmp/snn.cfg" --model "$tmp/dev.h5" --config "$preset" --threads $threads >"$tmp/eval$threads" 2>"$tmp/err" ||
        bad "xbar eval on the SNN's chips ($threads threads): exit $?, $(head -c 300 "$tmp/err")"
done
cmp -s "$tmp/eval1" "$tmp/eval2" && [ -s "$tmp/eval1" ] &&
    ok "xbar eval on the SNN's chips: 1 and 2 threads bit-identical" ||
    bad "xbar eval 1 vs 2 threads: $(diff "$tmp/eval1" "$tmp/eval2" | head -5)"
h5at() { h5dump -m %.17g -d "$1" -s "$2" -c "$3" "$tmp/dev.h5" | awk -v f="$4" '/^ *\([0-9,]*\): [-0-9.eEinf]+$/ { printf f, $2 }'; }
# The preset reads at its xbar.t = 3600 s, the sweep's second read time.
got_v=$(awk '/^accuracy_vote_k20:/ { print $2 }' "$tmp/eval1")
got_s=$(awk '/^snr_db_measured:/ { print $2 }' "$tmp/eval1")
want_v=$(h5at /sweep/accuracy_vote "0,1,19" "1,1,1" "%.6f")
want_s=$(h5at /sweep/snr_db_measured "0,1" "1,1" "%.4f")
grep -q "^t: 3600$" "$tmp/eval1" && [ -n "$want_v" ] && [ "$got_v" = "$want_v" ] &&
    [ "$got_s" = "$want_s" ] &&
    ok "eval on the SNN's chips after 1 h is the device sweep's: 20 votes $got_v, SNR $got_s dB" ||
    bad "eval on the SNN's chips: vote $got_v SNR $got_s, the sweep stored $want_v, $want_s"
# Spiking activity (issue 11 item 2): eval prints what the sweep stored at
# that point; the second layer's input rate is the first's output rate; its
# reads, driven by the spikes alone, cost less than the full-rate reads of
# /sweep/energy, and the digital SNN less than the same net as an ANN.
l1=$(grep '^spike_layer_1:' "$tmp/eval1")
l2=$(grep '^spike_layer_2:' "$tmp/eval1")
en=$(grep '^spike_energy_j:' "$tmp/eval1")
want_r=$(h5at /sweep/spike_activity "0,1,0,0" "1,1,1,1" "%.6f")
want_a=$(h5at /sweep/spike_activity "0,1,0,2" "1,1,1,1" "%.6g")
want_e=$(h5at /sweep/spike_energy "0,1,0" "1,1,1" "%.6g")
full=$(h5at /sweep/energy "0" "1" "%.17g")
echo "$l1 | $l2 | $en" | awk -v r="$want_r" -v a="$want_a" -v e="$want_e" -v full="$full" '
    { split($0, p, " [|] "); split(p[1], a1, " "); split(p[2], a2, " "); split(p[3], en, " ") }
    END { exit !(a1[3] == r && a1[7] == a && a2[5] == a1[3] && a1[3] > 0 && a1[3] < 1 &&
                 en[3] == e && en[3] + 0 < full + 0 && en[5] + 0 < en[7] + 0) }' &&
    ok "SNN activity: eval prints the sweep's (rate $want_r, $want_a accumulates, $want_e J), layer 2 reads layer 1's rate" ||
    bad "SNN activity: eval '$l1' '$l2' '$en'; the sweep stored rate $want_r, ac $want_a, $want_e J of $full"

# ---- attacks through several surrogates (issue 12) ----------------------------------
# The sweep's sigma_train = 0 model attacked with attack.surrogates: every
# reported accuracy is the lowest of its row in the per-surrogate table;
# each surrogate's row is what the attack through that surrogate alone
# gives; Ori. (the clean forward) is the same whatever the surrogate.
cat >"$tmp/att.cfg" <<EOT
@include "snn.cfg"
attack = { eps = [0.1, 0.3]; images = 60; step = 0.05; steps = 4;
  surrogates = "rectangular, triangle, fast-sigmoid, arctan"; };
EOT
attack() { "$XBAR" attack "$tmp/att.cfg" --model "$tmp/ref.h5" -q "$@" 2>"$tmp/err"; }
attack -o "$tmp/att.h5" >"$tmp/all"
rc=$?
[ "$rc" -eq 0 ] && grep -q "^surrogates: rectangular,triangle,fast-sigmoid,arctan (accuracy: the lowest)$" "$tmp/all" &&
    ok "attack through four surrogates" || bad "attack.surrogates: exit $rc, $(head -c 300 "$tmp/err")"
# Main rows (eps, Ori., 4 kinds) after "accuracy (%)"; surrogate rows (eps,
# surrogate, 4 kinds) after "accuracy by surrogate (%)".
awk '/^accuracy \(%\)$/ { t = 1; next } /^accuracy by surrogate/ { t = 2; next }
     t == 1 && NF == 6 && $1 != "eps" { for (k = 3; k <= 6; k++) main[$1, k] = $k; rows++ }
     t == 2 && NF == 6 && $1 != "eps" { for (k = 3; k <= 6; k++) if (!(($1, k) in low) || $k + 0 < low[$1, k] + 0) low[$1, k] = $k; n[$1]++ }
     END { if (rows != 2) exit 1; for (key in main) { split(key, a, SUBSEP); if (n[a[1]] != 4 || main[key] != low[key]) exit 1 } }' \
    "$tmp/all" && ok "attack: each accuracy is the lowest over the surrogates" ||
    bad "attack: the reported accuracies are not the minima: $(cat "$tmp/all")"
clean() { awk '$1 == "0.1" && $2 ~ /^[0-9.]+$/ { print $2; exit }' "$1"; } # Ori. at eps 0.1
for sur in rectangular arctan; do
    attack --set attack.surrogates=$sur >"$tmp/one"
    want=$(awk -v s=$sur '$2 == s && NF == 6' "$tmp/all")
    got=$(awk -v s=$sur '$2 == s && NF == 6' "$tmp/one")
    [ -n "$want" ] && [ "$want" = "$got" ] &&
        [ "$(clean "$tmp/one")" = "$(clean "$tmp/all")" ] && [ -n "$(clean "$tmp/all")" ] &&
        ok "attack through $sur alone: its row of the table, the same clean accuracy" ||
        bad "attack through $sur alone: $got; in the table: $want"
done
h5dump -d /attack/accuracy_surrogate "$tmp/att.h5" 2>/dev/null | grep -q "DATASPACE  SIMPLE { ( 4, 2, 4 )" &&
    h5dump -d /attack/surrogates "$tmp/att.h5" 2>/dev/null | grep -q '"rectangular,triangle,fast-sigmoid,arctan"' &&
    ok "attack -o writes accuracy_surrogate [attacks x eps x surrogates]" ||
    bad "attack -o: $(h5ls -r "$tmp/att.h5" 2>&1 | head -c 400)"
# --check on the spiking target runs its gradient attacks through the four
# surrogates too: the PGD it tests is the lowest of the four it prints.
attack --check --set attack.eps=0.1 --set attack.nattack_pop=8 --set attack.nattack_iters=4 \
    >"$tmp/chk"
rc=$?
awk '/^surrogates \(each gradient attack/ { n = 0; line = $0; sub(/.*: PGD /, "", line)
       k = split(line, parts, ", "); for (i = 1; i <= k; i++) { split(parts[i], f, " ")
       v = f[2] + 0; if (i == 1 || v < low) low = v } found = (k == 4) }
     /^one_step/ { for (i = 1; i <= NF; i++) if ($i == "PGD") { p = $(i + 1); sub(/\)/, "", p) } }
     END { exit !(found && p + 0 == low) }' "$tmp/chk" && [ "$rc" -eq 0 -o "$rc" -eq 3 ] &&
    ok "attack --check on the SNN: PGD is the lowest of its four surrogates" ||
    bad "attack --check on the SNN: exit $rc, $(cat "$tmp/chk") $(head -c 300 "$tmp/err")"
for bad_set in "attack.surrogates=sigmoid:unknown surrogate \"sigmoid\"" \
    "attack.surrogates=arctan,arctan:arctan twice"; do
    attack --set "${bad_set%%:*}" >"$tmp/out"
    rc=$?
    [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && grep -qF "${bad_set#*:}" "$tmp/err" &&
        ok "attack: --set ${bad_set%%:*} refused: $(cat "$tmp/err")" ||
        bad "attack --set ${bad_set%%:*}: exit $rc, $(head -c 300 "$tmp/err")"
done
# Bernoulli input spikes make the SNN a random target with no noise at all:
# EOT (attack.eot) applies and is printed.
attack --set attack.attacks=pgd --set attack.eot=3 --set attack.surrogates=arctan >"$tmp/out"
rc=$?
[ "$rc" -eq 0 ] && grep -q "^eot: 3$" "$tmp/out" && grep -q "^noise: none$" "$tmp/out" &&
    ok "attack: EOT over the input spikes of a noiseless SNN" ||
    bad "attack.eot on the Bernoulli-coded SNN: exit $rc, $(head -c 300 "$tmp/err")"
sed -e 's/{ type = "encode"; steps = 4; encoding = "bernoulli"; },/{ type = "flatten"; },/' \
    -e 's/type = "lif"; units = 24; leak = 0.5;/type = "dense"; units = 24;/' \
    -e 's/{ type = "lif"; units = 10; leak = 0.5; readout = "membrane-sum"; }/{ type = "dense"; units = 10; }/' \
    -e 's/epochs = 12/epochs = 1/' "$tmp/snn.cfg" >"$tmp/dense.cfg"
sed 's/snn.cfg/dense.cfg/' "$tmp/att.cfg" >"$tmp/att-dense.cfg"
"$XBAR" train "$tmp/dense.cfg" -o "$tmp/dense.h5" --quiet 2>"$tmp/err" &&
    "$XBAR" attack "$tmp/att-dense.cfg" --model "$tmp/dense.h5" -q >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "att-dense.cfg: attack surrogate rectangular: the model has no lif layer" "$tmp/err" &&
    ok "attack.surrogates on a dense model refused: $(cat "$tmp/err")" ||
    bad "attack.surrogates on a dense model: exit $rc, $(head -c 300 "$tmp/err")"

echo "cli_snn: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

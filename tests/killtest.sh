#!/bin/sh
# tests/killtest.sh — the kill -9 campaign (ARCHITECTURE.md §9), run by
# `make killtest` and .ci/run after `make test`:
#
#   XBAR=build/xbar H5SAME=build/tests/tools/h5same sh tests/killtest.sh
#
# For `xbar sweep` (of a dense net and of a spiking one), `xbar train -o`
# and `xbar mvm -o` on small problems (the synthetic data set: nothing to
# fetch):
#   1. one uninterrupted run with --threads 1 is the reference; T is the
#      shorter wall time of it and of a second uninterrupted run with
#      --threads 2 (the machine's load varies; a T too long wastes moments
#      after the end);
#   2. moments are drawn uniformly in (0, T) by awk's rand() after
#      srand(SEED), in that order, until KILLS runs have been killed (at
#      most 2 KILLS moments); for each, a fresh run (no result file yet) is
#      killed with SIGKILL at that moment; then the output path must hold nothing or a
#      valid file (h5dump reads all of it, and the layout is complete:
#      `xbar info` for a sweep, the datasets of the layout otherwise);
#   3. the killed run is resumed with --resume (mvm, which has none: run
#      again with --force, as its file may be complete), on the other thread count (trial i kills a run with --threads
#      1 + i % 2 and finishes it with the other), which must exit 0, leave no
#      temporary file (the killed run's is stale: its PID is dead, so the
#      resumed run removes it; sim/io/xb_outfile.h), and give a file equal to the
#      reference in every dataset and attribute, byte for byte
#      (tests/tools/h5same), except the root attributes that record how the
#      file was made and so legitimately differ: created (the time),
#      threads, command_line (--resume, --threads) and blas_threads.
# A kill that lands after the run has ended is counted apart (not a kill);
# nothing here fails on timing. Prints, per command, kills, corrupt files,
# failed resumes, mismatches and stale temporaries; exits 1 if any but the
# kills is non-zero. About 2 minutes.
set -u

XBAR=${XBAR:-build/xbar}
H5SAME=${H5SAME:-build/tests/tools/h5same}
SEED=${KILLTEST_SEED:-20261129}
KILLS=${KILLTEST_KILLS:-22}
# The provenance that differs between a resumed and an uninterrupted run:
# when the file was written, the thread count and the argv it ran with,
# and the threads OpenBLAS may use (recorded once the root attributes
# carry the BLAS provenance; absent attributes are not an error).
EXCLUDE="-x created -x threads -x command_line -x blas_threads"
# Idle OpenMP threads sleep instead of spinning: on a loaded two-core
# machine spinning makes --threads 2 several times slower. Results do not
# depend on it (they are bit-identical for any thread count).
OMP_WAIT_POLICY=passive
export OMP_WAIT_POLICY

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xbar-killtest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
for tool in h5dump h5ls awk; do
    command -v "$tool" >/dev/null || { echo "killtest: needs $tool (make deps)"; exit 1; }
done
[ -x "$H5SAME" ] || { echo "killtest: no $H5SAME (make killtest builds it)"; exit 1; }
total_bad=0

cat >"$tmp/k.cfg" <<EOT
model = { name = "tiny"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "flatten"; }, { type = "dense"; units = 64; }, { type = "noise"; },
             { type = "relu"; }, { type = "dense"; units = 10; }, { type = "noise"; } ); };
data = { set = "synthetic"; validation = 0.1; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 6; };
sweep = { noise = "mult"; sigma_train = [0.0, 0.3, 0.6]; sigma_test = [0.0, 0.3, 0.6, 0.9];
  repeats = 4; votes = 5; eval_rows = 500; output = "$tmp/out.h5"; };
EOT
out="$tmp/out.h5"
# A spiking network's sweep (issue 11 item 6): Bernoulli input spikes, LIF
# neurons with additive noise, 20 votes on the membrane-sum readout.
cat >"$tmp/snn.cfg" <<EOT
model = { name = "tiny-snn"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "encode"; steps = 4; encoding = "bernoulli"; },
             { type = "lif"; units = 24; leak = 0.5; },
             { type = "lif"; units = 10; leak = 0.5; readout = "membrane-sum"; } ); };
data = { set = "synthetic"; validation = 0.1; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 6; };
sweep = { noise = "add"; sigma_train = [0.0, 1.0]; sigma_test = [0.0, 0.5, 1.0];
  repeats = 2; votes = 20; eval_rows = 640; output = "$out"; };
EOT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# valid KIND: the file at $out is whole and has KIND's layout.
valid() {
    h5dump "$out" >/dev/null 2>&1 || return 1
    case $1 in
    sweep) "$XBAR" info "$out" >/dev/null 2>&1 ;;
    train)
        h5ls -r "$out" >"$tmp/ls" 2>&1 &&
            for d in /config /sweep/sigma_train /sweep/done /models/0/epochs_done; do
                grep -q "^$d " "$tmp/ls" || return 1
            done
        # A checkpoint after an epoch holds the whole model state.
        if grep -q "^/models/0/params " "$tmp/ls"; then
            for d in steps optimizer_m optimizer_v; do
                grep -q "^/models/0/$d " "$tmp/ls" || return 1
            done
            grep -q "^/train/0/loss " "$tmp/ls" || return 1
        fi
        ;;
    mvm)
        h5ls -r "$out" >"$tmp/ls" 2>&1 &&
            for d in /W /X /Y /Y_ideal /config /mvm/snr_db; do
                grep -q "^$d " "$tmp/ls" || return 1
            done
        ;;
    esac
}

# campaign KIND "RESUME" ARGS...: the campaign above for xbar ARGS, which
# write $out; RESUME is the option that continues a killed run ("" to
# run again from the start).
campaign() {
    kind=$1 resume=$2
    shift 2
    rm -f "$out"
    t0=$(now_ms)
    "$XBAR" "$@" --threads 1 >/dev/null 2>"$tmp/err" || {
        echo "FAIL $kind: the reference run failed: $(head -c 300 "$tmp/err")"
        total_bad=$((total_bad + 1))
        return
    }
    T=$(($(now_ms) - t0))
    mv "$out" "$tmp/ref.h5"
    t0=$(now_ms)
    "$XBAR" "$@" --threads 2 >/dev/null 2>&1
    T2=$(($(now_ms) - t0))
    [ "$T2" -lt "$T" ] && T=$T2
    kills=0 late=0 corrupt=0 failed=0 mismatch=0 stale=0 empty=0 midwrite=0
    awk -v n="$((2 * KILLS))" -v t="$T" -v s="$SEED" \
        'BEGIN { srand(s); for (i = 1; i <= n; i++) printf "%.3f\n", rand() * t / 1000 }' \
        >"$tmp/moments"
    i=0
    while [ "$kills" -lt "$KILLS" ] && read -r at; do
        i=$((i + 1))
        a=$((1 + i % 2))
        b=$((3 - a))
        rm -f "$out"
        "$XBAR" "$@" --threads "$a" >/dev/null 2>&1 &
        pid=$!
        sleep "$at"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        if [ "$rc" -eq 137 ]; then
            kills=$((kills + 1))
        elif [ "$rc" -eq 0 ]; then
            late=$((late + 1))
        else
            echo "FAIL $kind: trial $i: the run exited $rc before its kill at ${at}s"
            failed=$((failed + 1))
        fi
        # A temporary left behind: the kill landed while a file was written.
        ls -A "$tmp" | grep -q '\.tmp$' && midwrite=$((midwrite + 1))
        if [ ! -e "$out" ]; then
            empty=$((empty + 1))
        elif ! valid "$kind"; then
            corrupt=$((corrupt + 1))
            cp "$out" "$tmp/corrupt-$kind-$i.h5"
            echo "FAIL $kind: trial $i: killed at ${at}s, $out is not a valid $kind file"
        fi
        "$XBAR" "$@" $resume --threads "$b" >/dev/null 2>"$tmp/err"
        rc=$?
        if [ "$rc" -ne 0 ]; then
            failed=$((failed + 1))
            echo "FAIL $kind: trial $i: ${resume:-the rerun} --threads $b exited $rc: $(head -c 300 "$tmp/err")"
            continue
        fi
        left=$(ls -A "$tmp" | grep '\.tmp$')
        if [ -n "$left" ]; then
            stale=$((stale + 1))
            echo "FAIL $kind: trial $i: left behind: $left"
            for f in $left; do rm -f "$tmp/$f"; done
        fi
        if ! "$H5SAME" $EXCLUDE "$tmp/ref.h5" "$out" >/dev/null 2>"$tmp/err"; then
            mismatch=$((mismatch + 1))
            echo "FAIL $kind: trial $i: killed at ${at}s (--threads $a), finished with --threads $b: $(cat "$tmp/err")"
        fi
    done <"$tmp/moments"
    same=$("$H5SAME" $EXCLUDE "$tmp/ref.h5" "$out" 2>&1)
    echo "$kind: run ${T} ms; $i moments, $kills kills ($late runs ended before their moment; $empty left no file;" \
        "$midwrite left a temporary, killed while writing)," \
        "$corrupt corrupt files, $failed failed resumes, $mismatch mismatches, $stale stale temporaries;" \
        "last: ${same#h5same: }"
    total_bad=$((total_bad + corrupt + failed + mismatch + stale))
}

campaign sweep --resume sweep "$tmp/k.cfg" --quiet
campaign sweep --resume sweep "$tmp/snn.cfg" --quiet
campaign train --resume train "$tmp/k.cfg" --quiet --set train.epochs=24 -o "$out"
campaign mvm --force mvm --rows 1024 --cols 1024 --batch 512 --quiet -o "$out"

echo "killtest: seed $SEED, $KILLS kills wanted per command; $total_bad failures"
[ "$total_bad" -eq 0 ]

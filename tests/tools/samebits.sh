#!/bin/sh
# tests/tools/samebits.sh — does a change move any number? Runs the same
# jobs with two xbar binaries (say, one built from the commit a change
# started from and one from the change) and compares the results: every
# numeric dataset of every result file, its data bytes dumped by h5dump and
# compared with cmp (exact: no tolerance; attributes are not compared),
# and `xbar mvm`'s stdout with cmp. The restructuring of issue 9 was checked
# with it (ARCHITECTURE.md §7, "Reproducibility").
#
#   sh tests/tools/samebits.sh OLD_XBAR NEW_XBAR [WORKDIR]
#
# Jobs: the quickstart sweep (configs/quickstart.cfg, as make demo runs it),
# 1-epoch sweeps of mlp and lstm128 (configs/paper001/), a device-mode sweep
# (configs/pcm_mlp_mnist.cfg, 1 epoch) and xbar mvm on every preset with
# 8-bit converters. Takes a few minutes a binary; run from the repository
# root (the configs and data/ are read from there). Exit 0 when every
# comparison is equal, 1 with the differing ones listed.
set -u
[ $# -ge 2 ] || { echo "usage: samebits.sh OLD_XBAR NEW_XBAR [WORKDIR]" >&2; exit 2; }
old=$1; new=$2; work=${3:-$(mktemp -d)}
mkdir -p "$work/old" "$work/new"

# name|subcommand and arguments (the output path is added per binary)
jobs='quickstart|sweep configs/quickstart.cfg
mlp_1epoch|sweep configs/paper001/mlp_fashion_mult.cfg --set data.set=mnist --set train.epochs=1
lstm_1epoch|sweep configs/paper001/lstm128_mnist_mult.cfg --set train.epochs=1 --set sweep.sigma_train=0,0.5
device_1epoch|sweep configs/pcm_mlp_mnist.cfg --set train.epochs=1'
presets=$("$new" devices 2>/dev/null | awk 'NR > 1 && $1 ~ /^[a-z]+$/ && $2 ~ /^[0-9.]+$/ { print $1 }')

fail=0; n=0
for side in old new; do
    bin=$old; [ $side = new ] && bin=$new
    printf '%s\n' "$jobs" | while IFS='|' read -r name cmd; do
        out=$work/$side/$name.h5
        [ -e "$out" ] && continue
        # shellcheck disable=SC2086
        "$bin" $cmd --quiet --seed 1 --set sweep.output="$out" >/dev/null 2>"$work/$side/$name.err" ||
            echo "samebits: $side $name failed: $(tail -n 1 "$work/$side/$name.err")"
    done
    for p in $presets; do
        "$bin" mvm --device "$p" --adc-bits 8 --dac-bits 8 --rows 300 --cols 700 --batch 40 \
            --tile 128x128 --seed 3 > "$work/$side/mvm_$p.txt" 2>&1
    done
done

for f in "$work"/old/*.h5; do
    name=${f##*/}; g=$work/new/$name
    [ -e "$g" ] || { echo "DIFF $name: no new file"; fail=1; continue; }
    for d in $(h5ls -r "$f" | awk '$2 == "Dataset" { print $1 }'); do
        case $(h5dump -H -d "$d" "$f" 2>/dev/null | grep -m 1 -A 1 DATATYPE) in
            *H5T_STRING*|*H5T_COMPOUND*) continue ;; # text: /config, /data_files
        esac
        n=$((n + 1))
        # The data bytes alone (attributes such as a description may be
        # reworded on purpose; NaN compares equal to itself here).
        rm -f "$work/a.bin" "$work/b.bin"
        h5dump -d "$d" -b LE -o "$work/a.bin" "$f" >/dev/null 2>&1
        h5dump -d "$d" -b LE -o "$work/b.bin" "$g" >/dev/null 2>&1
        [ -s "$work/a.bin" ] && cmp -s "$work/a.bin" "$work/b.bin" || { echo "DIFF $name $d"; fail=1; }
    done
done
for f in "$work"/old/mvm_*.txt; do
    n=$((n + 1))
    cmp -s "$f" "$work/new/${f##*/}" || { echo "DIFF ${f##*/}"; fail=1; }
done
echo "samebits: $n comparisons in $work: $([ $fail = 0 ] && echo all equal || echo some differ)"
exit $fail

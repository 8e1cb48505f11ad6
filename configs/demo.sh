#!/bin/sh
# make demo: the architect's first question, answered for every preset.
#
# One `xbar mvm` per (device, ADC bits): a 256 x 256 weight matrix on one
# 256 x 256 tile, a batch of 256 inputs, an 8-bit DAC, the ADC range
# calibrated as the max of the ideal outputs, read one hour after
# programming with global drift compensation. Prints a table; writes one
# HDF5 file per point and a CSV of the figures into results/demo/. The
# files there are the demo's own, so a rerun replaces them (--force; xbar mvm
# refuses to replace an existing -o file without it).
#
# usage: sh configs/demo.sh [path/to/xbar]     (make demo passes build/xbar)
set -eu

xbar=${1:-build/xbar}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/results/demo"
devices="generic reram pcm flash"
adc_bits="4 6 8 0"            # 0 = an ideal ADC ("none" in the table)
t=3600                        # s after programming
common="--rows 256 --cols 256 --batch 256 --tile 256x256 --dac-bits 8 --adc-range max --t $t --drift-comp --seed 1 --quiet --force"

[ -x "$xbar" ] || { echo "demo: $xbar is not an executable (run make first)" >&2; exit 2; }
mkdir -p "$out"
csv="$out/mvm.csv"
tmp="$out/.mvm.csv.tmp"
echo "device,adc_bits,t_s,snr_db,rel_error_std,adc_saturation,dac_saturation,tiles,file" > "$tmp"

figure() { sed -n "s/^$1: //p" "$out/.point.txt"; }

echo "xbar mvm: 256x256 weights, 256x256 tile, batch 256, 8-bit DAC, t = 1 h, drift compensation"
printf '%-8s %8s %9s %13s %15s\n' device adc_bits snr_db rel_error_std adc_saturation
for d in $devices; do
    for b in $adc_bits; do
        h5="$out/mvm_${d}_adc${b}.h5"
        # shellcheck disable=SC2086 # $common is a list of options
        "$xbar" mvm $common --device "$d" --adc-bits "$b" -o "$h5" > "$out/.point.txt"
        label=$b; [ "$b" = 0 ] && label=none
        printf '%-8s %8s %9.2f %13.4f %15.5f\n' "$d" "$label" "$(figure snr_db)" \
            "$(figure rel_error_std)" "$(figure adc_saturation)"
        echo "$d,$b,$t,$(figure snr_db),$(figure rel_error_std),$(figure adc_saturation),$(figure dac_saturation),$(figure tiles),$(basename "$h5")" >> "$tmp"
    done
done
rm -f "$out/.point.txt"
mv "$tmp" "$csv"
echo "wrote $csv and one HDF5 file per point in $out"

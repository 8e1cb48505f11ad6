#!/bin/sh
# tests/cli.sh — the xbar command line, end to end (run by `make check`).
#
#   XBAR=build/xbar sh tests/cli.sh
#
# Checks that `xbar mvm` prints bit-identical results for 1 and 2 threads,
# that every bad input exits 2 with one line on stderr naming it and leaves
# no file behind, and that -o writes a self-describing HDF5 file. Needs
# h5ls and h5dump (Debian hdf5-tools, installed by make deps). Then
# tests/cli_options.sh: every option of every subcommand acts or is
# rejected, and a rerun replaces no result file; tests/cli_snn.sh: a
# spiking network through sweep, kill and --resume, info, plot and eval on
# chips; tests/mpi.sh: sweeps over MPI ranks. The last line is
# "cli: N passed, M failed"; the exit status is 1 if any failed.
set -u

XBAR=${XBAR:-build/xbar}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xbar-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# run ARGS...: runs xbar, leaving rc, $tmp/out, $tmp/err.
run() {
    "$XBAR" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# expect_ok NAME ARGS...: exit 0 and something on stdout.
expect_ok() {
    name=$1
    shift
    run "$@"
    if [ "$rc" -eq 0 ] && [ -s "$tmp/out" ]; then
        ok "$name"
    else
        bad "$name: exit $rc, stderr: $(head -c 300 "$tmp/err")"
    fi
}

# expect_usage NAME PATTERN ARGS...: exit 2, nothing on stdout, exactly one
# line on stderr that contains PATTERN (a fixed string).
expect_usage() {
    name=$1
    pattern=$2
    shift 2
    run "$@"
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && [ "$lines" -eq 1 ] &&
        grep -qF -- "$pattern" "$tmp/err"; then
        ok "$name: $(cat "$tmp/err")"
    else
        bad "$name: exit $rc (want 2), $lines stderr lines, want '$pattern' in: $(head -c 400 "$tmp/err")"
    fi
}

# same_threads NAME ARGS...: stdout identical with OMP_NUM_THREADS=1 and 2.
same_threads() {
    name=$1
    shift
    OMP_NUM_THREADS=1 "$XBAR" "$@" >"$tmp/t1" 2>"$tmp/err1"
    rc1=$?
    OMP_NUM_THREADS=2 "$XBAR" "$@" >"$tmp/t2" 2>"$tmp/err2"
    rc2=$?
    if [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] && [ -s "$tmp/t1" ] && cmp -s "$tmp/t1" "$tmp/t2"; then
        ok "$name: 1 and 2 threads bit-identical ($(grep '^snr_db:' "$tmp/t1"))"
    else
        bad "$name: exit $rc1/$rc2; $(diff "$tmp/t1" "$tmp/t2" | head -5) $(head -c 200 "$tmp/err1")"
    fi
}

# no_files NAME DIR: DIR holds no file at all (neither result nor temporary).
no_files() {
    if [ -z "$(ls -A "$2")" ]; then
        ok "$1: no file left behind"
    else
        bad "$1: left behind: $(ls -A "$2")"
    fi
}

if [ ! -x "$XBAR" ]; then
    echo "cli: $XBAR is not an executable"
    echo "cli: 0 passed, 1 failed"
    exit 1
fi

# ---- the program and its help -------------------------------------------
expect_ok "xbar --help" --help
expect_ok "xbar --version" --version
expect_ok "xbar help mvm" help mvm
expect_ok "xbar mvm --help" mvm --help
run
[ "$rc" -eq 2 ] && ok "xbar without a subcommand exits 2" || bad "xbar alone: exit $rc"
expect_usage "unknown subcommand" "frobnicate" frobnicate
if "$XBAR" mvm --help | grep -q -- "--adc-bits N.*(default: 0)"; then
    ok "mvm usage shows defaults"
else
    bad "mvm usage lacks '(default: ...)' for --adc-bits"
fi

# ---- xbar devices ---------------------------------------------------------
expect_ok "xbar devices" devices
for d in ideal generic reram pcm flash; do
    grep -q "^$d " "$tmp/out" || bad "xbar devices does not list $d"
done
expect_ok "xbar devices pcm" devices pcm
if grep -q "^g_max  *uS  *25 " "$tmp/out" && grep -q "^prog_scale " "$tmp/out" &&
    grep -q "source:" "$tmp/out"; then
    ok "xbar devices pcm lists parameters with unit, default and source"
else
    bad "xbar devices pcm: $(head -c 300 "$tmp/out")"
fi
expect_usage "devices: unknown device" "'nosuch'" devices nosuch

# ---- bit-identical for any thread count -----------------------------------
same_threads "mvm ideal" mvm --device ideal --batch 128
same_threads "mvm pcm t=1h adc 6" mvm --device pcm --t 3600 --adc-bits 6 --dac-bits 8 \
    --drift-comp --batch 256
same_threads "mvm mult noise" mvm --noise mult --sigma 0.5 --batch 256
same_threads "mvm reram tiled" mvm --device reram --rows 300 --cols 520 --tile 128x64 \
    --adc-bits 8 --adc-range p99 --batch 100
same_threads "mvm reram tiled, native" mvm --device reram --rows 300 --cols 520 \
    --tile 128x64 --adc-bits 8 --adc-range p99 --batch 100 --native

"$XBAR" mvm --device pcm --t 86400 --adc-bits 5 --noise add --sigma 0.2 --threads 1 >"$tmp/t1" 2>&1
"$XBAR" mvm --device pcm --t 86400 --adc-bits 5 --noise add --sigma 0.2 --threads 2 >"$tmp/t2" 2>&1
cmp -s "$tmp/t1" "$tmp/t2" && ok "--threads 1 and 2 bit-identical" || bad "--threads 1 vs 2 differ"

# Paper 001: multiplicative sigma = 0.5 is 6.02 dB.
run mvm --noise mult --sigma 0.5 --batch 256
snr=$(sed -n 's/^snr_db: //p' "$tmp/out")
if awk -v s="$snr" 'BEGIN { exit !(s > 5.92 && s < 6.12) }'; then
    ok "mult sigma 0.5 measures $snr dB (6.02 +- 0.1)"
else
    bad "mult sigma 0.5 measures '$snr' dB, want 6.02 +- 0.1"
fi
if grep -q "^device: ideal$" "$tmp/out" && grep -q "^tiles: 1$" "$tmp/out" &&
    grep -q "^adc_saturation: " "$tmp/out" && grep -q "^rel_error_std: " "$tmp/out"; then
    ok "mvm prints key: value figures"
else
    bad "mvm figures missing: $(head -c 300 "$tmp/out")"
fi

# The calibration read is the first --calib-rows inputs: the first rows of a
# larger batch are a smaller batch (xb_mvm_study.h), so the ranges of
# --batch 4096 --calib-rows 512 are those of --batch 512 calibrated on all of
# it, and differ from those of all 4096 rows (a max over more values).
ranges() { grep -E '^(dac_range|adc_range_min|adc_range_max|calib_rows): ' "$tmp/out"; }
cal_args="--device pcm --t 3600 --adc-bits 8 --dac-bits 8 --adc-range max --rows 96 --cols 300 --tile 128x64"
run mvm $cal_args --batch 4096 --calib-rows 512
ranges >"$tmp/r_sub"
run mvm $cal_args --batch 512 --calib-rows 0
ranges >"$tmp/r_small"
run mvm $cal_args --batch 4096 --calib-rows 0
ranges >"$tmp/r_all"
grep -v calib_rows "$tmp/r_sub" >"$tmp/r_sub_ranges"
grep -v calib_rows "$tmp/r_all" >"$tmp/r_all_ranges"
if grep -q "^calib_rows: 512$" "$tmp/r_sub" && cmp -s "$tmp/r_sub" "$tmp/r_small" &&
    ! cmp -s "$tmp/r_sub_ranges" "$tmp/r_all_ranges"; then
    ok "mvm --calib-rows 512 calibrates on the first 512 inputs, not all 4096"
else
    bad "mvm --calib-rows: $(cat "$tmp/r_sub" "$tmp/r_small" "$tmp/r_all" | tr '\n' ' ')"
fi
run mvm $cal_args --batch 300
if grep -q "^calib_rows: 300$" "$tmp/out"; then
    ok "mvm: a batch under the default calibration read is calibrated on all of it"
else
    bad "mvm default calib_rows at batch 300: $(grep calib_rows "$tmp/out")"
fi
expect_usage "--calib-rows with nothing to calibrate" "--calib-rows 64" mvm --adc-bits 8 \
    --adc-range 4 --set xbar.dac_range=1 --calib-rows 64
expect_usage "--calib-rows negative" "--calib-rows -1" mvm --calib-rows -1

# A study group is read and checked; xbar sweep runs its points
# (sim/study/xb_study_grid.h) but refuses an axis that would change nothing
# (an engine key in noise mode), and the other commands refuse the group
# rather than run the plain grid and ignore the axes.
ln -s "$root/configs/models" "$tmp/models"
{ echo 'study = { axes = ( { key = "xbar.adc_bits"; values = [4, 8]; } ); };'
  cat "$root/configs/quickstart.cfg"
} >"$tmp/study.cfg"
expect_usage "sweep with an engine axis in noise mode" \
    "study axis xbar.adc_bits: it changes nothing in noise mode" sweep "$tmp/study.cfg"
expect_usage "energy with study axes" "study: xbar energy does not run study axes yet" \
    energy "$tmp/study.cfg"

# ---- bad input: exit 2, one line naming it --------------------------------
expect_usage "unknown device" "--device nosuch" mvm --device nosuch
expect_usage "unknown option" "--frobnicate" mvm --frobnicate
expect_usage "negative sigma" "--sigma -1" mvm --sigma -1
expect_usage "adc bits out of range" "--adc-bits 40" mvm --adc-bits 40
expect_usage "dac bits not a number" "--dac-bits eight" mvm --dac-bits eight
expect_usage "rows 0" "--rows 0" mvm --rows 0
expect_usage "tile 0" "--tile 0x256" mvm --tile 0x256
expect_usage "unknown --set key" "nosuch_key" mvm --set nosuch_key=1
expect_usage "--set without =" "--set g_max" mvm --set g_max
expect_usage "--set out of range" "--set g_max=-3" mvm --device pcm --set g_max=-3
expect_usage "bad --noise" "--noise loud" mvm --noise loud
expect_usage "bad --adc-range" "--adc-range p200" mvm --adc-range p200
expect_usage "missing option value" "--rows" mvm --rows
expect_usage "stray argument" "stray" mvm stray
expect_usage "sizes too large for memory" "--rows x --cols" mvm --rows 1048576 --cols 1048576
expect_usage "bad --seed" "--seed -1" mvm --seed -1

mkdir "$tmp/o"
expect_usage "unwritable -o" "/nonexistent/dir" mvm -o /nonexistent/dir/x.h5
[ ! -e /nonexistent/dir/x.h5 ] && ok "unwritable -o: no file" || bad "/nonexistent/dir/x.h5 exists"
expect_usage "missing --weights" "$tmp/nosuch.h5" mvm --weights "$tmp/nosuch.h5" -o "$tmp/o/x.h5"
no_files "missing --weights with -o" "$tmp/o"
expect_usage "-o is a directory" "is a directory" mvm -o "$tmp/o"

printf 'device = { type = "pcm"; };\nxbar = {\n  adc_bits = 6;\n  adc_bitz = 7;\n};\n' >"$tmp/bad.cfg"
expect_usage "config: unknown key" "$tmp/bad.cfg:4: xbar.adc_bitz" mvm --config "$tmp/bad.cfg"
printf 'device = { type = "pcm"; g_maxx = 3.0; };\n' >"$tmp/bad2.cfg"
expect_usage "config: unknown device key" "$tmp/bad2.cfg:1: device.g_maxx" mvm --config "$tmp/bad2.cfg"
printf 'xbar = { adc_bits = "six"; };\n' >"$tmp/bad3.cfg"
expect_usage "config: wrong type" "$tmp/bad3.cfg:1: xbar.adc_bits" mvm --config "$tmp/bad3.cfg"
printf 'xbar = { adc_bits = 40; };\n' >"$tmp/bad4.cfg"
expect_usage "config: out of range" "$tmp/bad4.cfg:1: xbar.adc_bits = 40" mvm --config "$tmp/bad4.cfg"
printf 'xbar = { adc_bits = 6 \n' >"$tmp/bad5.cfg"
expect_usage "config: syntax error" "$tmp/bad5.cfg:" mvm --config "$tmp/bad5.cfg"
expect_usage "config: missing file" "$tmp/nosuch.cfg" mvm --config "$tmp/nosuch.cfg"

# @include of a directory: libconfig 1.5 exits the process on one ("input in
# flex scanner failed"); xbar refuses it first, naming the line.
printf '# a directory\n@include "%s"\n' "$tmp" >"$tmp/inc.cfg"
expect_usage "config: @include of a directory" "$tmp/inc.cfg:2: @include" mvm --config "$tmp/inc.cfg"

# ---- shipped configs run ---------------------------------------------------
for cfg in "$root"/configs/devices/*.cfg; do
    expect_ok "config $(basename "$cfg")" mvm --config "$cfg" --batch 16
done
# from a pipe: the @include check must not read it before libconfig does
cat "$root/configs/devices/pcm_1h.cfg" |
    "$XBAR" mvm --config /dev/stdin --batch 16 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q "^device: pcm" "$tmp/out"; then
    ok "config from a pipe"
else
    bad "config from a pipe: exit $rc, $(head -c 300 "$tmp/out" "$tmp/err")"
fi

# ---- -o: a self-describing HDF5 file, written crash-safe -------------------
run mvm --device pcm --t 3600 --adc-bits 6 --rows 64 --cols 96 --batch 8 --quiet -o "$tmp/o/r.h5"
if [ "$rc" -eq 0 ] && [ -f "$tmp/o/r.h5" ] && [ "$(ls -A "$tmp/o")" = "r.h5" ]; then
    ok "-o writes the file and nothing else"
else
    bad "-o: exit $rc, $(cat "$tmp/err"), dir: $(ls -A "$tmp/o")"
fi
if h5ls -r "$tmp/o/r.h5" >"$tmp/ls" 2>&1 && grep -q "^/W .*{64, 96}" "$tmp/ls" &&
    grep -q "^/X .*{8, 96}" "$tmp/ls" && grep -q "^/Y .*{8, 64}" "$tmp/ls" &&
    grep -q "^/Y_ideal " "$tmp/ls" && grep -q "^/mvm/snr_db " "$tmp/ls" &&
    grep -q "^/config " "$tmp/ls"; then
    ok "h5ls -r lists W, X, Y, Y_ideal, config, mvm/snr_db"
else
    bad "h5ls -r: $(head -c 400 "$tmp/ls")"
fi
missing=""
for d in $(awk '$2 == "Dataset" { print $1 }' "$tmp/ls"); do
    h5dump -a "$d/units" "$tmp/o/r.h5" >/dev/null 2>&1 || missing="$missing $d"
    h5dump -a "$d/description" "$tmp/o/r.h5" >/dev/null 2>&1 || missing="$missing $d(description)"
done
[ -z "$missing" ] && ok "every dataset has units and description" || bad "no units:$missing"
if h5dump -a /mvm/snr_db/units "$tmp/o/r.h5" | grep -q '"dB"' &&
    h5dump -A "$tmp/o/r.h5" | grep -q 'ATTRIBUTE "git_commit"' &&
    h5dump -A "$tmp/o/r.h5" | grep -q 'ATTRIBUTE "blas_kernel"' &&
    h5dump -d /data_files "$tmp/o/r.h5" >/dev/null 2>&1 &&
    h5dump -a /seed "$tmp/o/r.h5" >/dev/null 2>&1 &&
    h5dump -a /command_line "$tmp/o/r.h5" | grep -q "xbar mvm --device pcm"; then
    ok "root attributes and units are right"
else
    bad "attributes: $(h5dump -A "$tmp/o/r.h5" | head -c 300)"
fi

# Each dataset's description says what it is (the units are their own
# attribute): the figures' text as written in sim/study/xb_mvm_study.c.
if h5dump -a /mvm/snr_db/description "$tmp/o/r.h5" | grep -q '"measured SNR: 10 log10' &&
    h5dump -a /mvm/snr_db_model/description "$tmp/o/r.h5" | grep -q '"SNR the abstract noise'; then
    ok "descriptions are the datasets' own"
else
    bad "descriptions: $(h5dump -a /mvm/snr_db/description "$tmp/o/r.h5" | head -c 300)"
fi

# Round trip: the file's W and X as input give the same figures.
run mvm --device pcm --t 3600 --adc-bits 6 --weights "$tmp/o/r.h5" --inputs "$tmp/o/r.h5:/X"
grep -v -e '^weights:' -e '^inputs:' "$tmp/out" >"$tmp/rt2"
run mvm --device pcm --t 3600 --adc-bits 6 --rows 64 --cols 96 --batch 8
grep -v -e '^weights:' -e '^inputs:' "$tmp/out" >"$tmp/rt1"
cmp -s "$tmp/rt1" "$tmp/rt2" && ok "--weights/--inputs round trip" || bad "round trip: $(diff "$tmp/rt1" "$tmp/rt2" | head -4)"
expect_usage "weights: shape mismatch" "--inputs" mvm --weights "$tmp/o/r.h5" --inputs "$tmp/o/r.h5:/Y"
expect_usage "weights: no such dataset" "/nope" mvm --weights "$tmp/o/r.h5:/nope"
expect_usage "weights: not HDF5" "not an HDF5 file" mvm --weights "$tmp/bad.cfg"

# A failing run does not touch an existing result.
cp "$tmp/o/r.h5" "$tmp/o/keep.h5"
expect_usage "bad run keeps old file" "--adc-bits 99" mvm --adc-bits 99 -o "$tmp/o/r.h5"
cmp -s "$tmp/o/r.h5" "$tmp/o/keep.h5" && ok "old result untouched" || bad "old result changed"

# ---- xbar info / xbar plot: bad input ----------------------------------------
# (tests/sim/test_plot.c writes synthetic sweep files and runs both on them.)
expect_ok "xbar info --help" info --help
expect_ok "xbar plot --help" plot --help
if "$XBAR" plot --help | grep -q -- "-o, --output DIR.*(default: the directory of FILE.h5)"; then
    ok "plot usage shows the -o default"
else
    bad "plot usage lacks '(default: ...)' for -o"
fi
expect_usage "info: no file" "expected a sweep result FILE.h5" info
expect_usage "plot: no file" "expected a sweep result FILE.h5" plot
expect_usage "info: two files" "unexpected argument" info "$tmp/a.h5" "$tmp/b.h5"
expect_usage "info: missing file" "$tmp/nosuch.h5: cannot open" info "$tmp/nosuch.h5"
expect_usage "plot: missing file" "$tmp/nosuch.h5: cannot open" plot "$tmp/nosuch.h5"
expect_usage "info: not HDF5" "$tmp/bad.cfg: not an HDF5 file" info "$tmp/bad.cfg"
# An mvm result has no tables, only its provenance: key: value lines naming
# the kernel OpenBLAS loaded and the SHA-256 of the --weights file read.
run mvm --weights "$tmp/o/r.h5" --inputs "$tmp/o/r.h5:/X" -o "$tmp/o/p.h5" --quiet
run info "$tmp/o/p.h5"
sum=$(sha256sum "$tmp/o/r.h5" | cut -c1-64)
size=$(wc -c <"$tmp/o/r.h5" | tr -d ' ')
if [ "$rc" -eq 0 ] && grep -q '^blas_kernel: [A-Za-z0-9]' "$tmp/out" &&
    grep -q '^portable: 1$' "$tmp/out" && grep -q '^isa_level: x86-64' "$tmp/out" &&
    grep -q '^command_line: xbar mvm --weights' "$tmp/out" && grep -q '^data_files: 1$' "$tmp/out" &&
    grep -qxF "data_file[0]: sha256 $sum, $size bytes, $tmp/o/r.h5" "$tmp/out" &&
    ! grep -v '^[a-z_0-9]*\(\[[0-9]*\]\)\{0,1\}: ' "$tmp/out" | grep -q .; then
    ok "info: an mvm result prints its provenance as key: value lines, data file digest = sha256sum"
else
    bad "info on an mvm result: exit $rc, $(head -c 600 "$tmp/out") $(head -c 200 "$tmp/err")"
fi
expect_usage "plot: an mvm result is not a sweep" "$tmp/o/r.h5: no group /sweep" plot "$tmp/o/r.h5" \
    -o "$tmp/figs"
expect_usage "info: --set does not apply" "--set adc_bits=4: not used by xbar info" info --set adc_bits=4 "$tmp/o/r.h5"

# ---- xbar train / eval / sweep on the synthetic data set ----------------------
cat >"$tmp/syn.cfg" <<EOT
model = { name = "tiny"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "flatten"; }, { type = "dense"; units = 16; }, { type = "noise"; },
             { type = "relu"; }, { type = "dense"; units = 10; }, { type = "noise"; } ); };
data = { set = "synthetic"; validation = 0.1; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 2; };
sweep = { noise = "mult"; sigma_train = [0.0, 0.5]; sigma_test = [0.0, 0.5]; repeats = 2;
  votes = 3; eval_rows = 96; output = "$tmp/syn.h5"; };
EOT
run train "$tmp/syn.cfg" -o "$tmp/model.h5" --quiet --sigma 0.5
[ "$rc" -eq 0 ] && h5ls -r "$tmp/model.h5" | grep -q "/models/0/params" && ok "xbar train writes the model" ||
    bad "xbar train: exit $rc, $(head -c 300 "$tmp/err")"
expect_ok "xbar eval" eval "$tmp/syn.cfg" --model "$tmp/model.h5"
grep -q "^accuracy_vote_k3: 0\.[0-9]" "$tmp/out" && ok "eval prints the voted accuracy" ||
    bad "eval output lacks accuracy_vote_k3"
same_threads "xbar eval 1 vs 2 threads" eval "$tmp/syn.cfg" --model "$tmp/model.h5"
# eval -o: the numbers printed, in xbar's layout (every object a row of it).
run eval "$tmp/syn.cfg" --model "$tmp/model.h5" -o "$tmp/eval.h5"
printed=$(grep '^accuracy_vote_k3:' "$tmp/out" | tail -1 | cut -d' ' -f2)
stored=$(h5dump -d /eval/accuracy_vote -y -w 0 -m '%.17g' "$tmp/eval.h5" 2>/dev/null |
    tr -s ', ' '\n\n' | grep -E '^[0-9.e+-]+$' | tail -1)
if [ "$rc" -eq 0 ] && [ -n "$stored" ] && [ "$(printf '%.6f' "$stored")" = "$printed" ] &&
    "$XBAR" info --datasets "$tmp/eval.h5" >"$tmp/ds" 2>&1 && grep -q '^/eval/sigma_test: float64 \[2\]' "$tmp/ds" &&
    ! grep -q "not in xbar's layout" "$tmp/ds"; then
    ok "eval -o stores what it prints (accuracy_vote_k3 $printed), every object in the layout"
else
    bad "eval -o: exit $rc, printed '$printed', stored '$stored', $(head -c 300 "$tmp/err")"
fi
run eval "$tmp/syn.cfg" --model "$tmp/model.h5" -o "$tmp/evald.h5" --config "$root/configs/devices/pcm_1h.cfg" \
    --set sweep.repeats=2
if [ "$rc" -eq 0 ] && h5ls "$tmp/evald.h5/eval" 2>/dev/null | grep -q '^t ' &&
    h5ls "$tmp/evald.h5/eval" | grep -q '^tile_snr_db ' && ! h5ls "$tmp/evald.h5/eval" | grep -q '^sigma_test '; then
    ok "eval -o on chips stores the read times and the tiles' SNR"
else
    bad "eval -o on chips: exit $rc, $(head -c 300 "$tmp/err")"
fi
run sweep "$tmp/syn.cfg" --quiet
[ "$rc" -eq 0 ] && h5ls -r "$tmp/syn.h5" | grep -q "/sweep/accuracy_vote" && ok "xbar sweep writes the layout" ||
    bad "xbar sweep: exit $rc, $(head -c 300 "$tmp/err")"
# info --csv: tidy rows; each point's accuracy rows average to /sweep/accuracy over the repeats
# (2 x 2 points, 2 repeats; h5dump prints them in the same order).
run info "$tmp/syn.h5" --csv
h5dump -d /sweep/accuracy -y -w 0 -m '%.17g' -o "$tmp/acc.txt" "$tmp/syn.h5" >/dev/null 2>&1
tr -s ', \n' '\n\n\n' <"$tmp/acc.txt" | grep . | awk '{ s += $1 } NR % 2 == 0 { printf "%.17g\n", s / 2; s = 0 }' >"$tmp/want"
tr -d '\r' <"$tmp/out" | awk -F, 'NR == 1 { n = NF; next } NF != n { exit 1 }
    { s += $4 } (NR - 1) % 2 == 0 { printf "%.17g\n", s / 2; s = 0 }' >"$tmp/got"
if [ "$rc" -eq 0 ] && head -1 "$tmp/out" | grep -q '^sweep.sigma_train \[1\],sweep.sigma_test \[1\],repeat,accuracy \[1\],' &&
    [ "$(wc -l <"$tmp/out")" -eq 9 ] && [ -s "$tmp/want" ] && cmp -s "$tmp/got" "$tmp/want"; then
    ok "info --csv: 8 rows whose means per point are /sweep/accuracy's over repeats"
else
    bad "info --csv: exit $rc, $(head -c 300 "$tmp/out") means $(tr '\n' ' ' <"$tmp/got") vs $(tr '\n' ' ' <"$tmp/want")"
fi
run info "$tmp/syn.h5" --json
if [ "$rc" -eq 0 ] && grep -q '"rows":' "$tmp/out" && [ "$(grep -c '"repeat":' "$tmp/out")" -eq 8 ] &&
    grep -q '"key":[[:space:]]*"sweep.sigma_test"' "$tmp/out"; then
    ok "info --json: axes and 8 rows"
else
    bad "info --json: exit $rc, $(head -c 300 "$tmp/out")"
fi
expect_usage "info: --csv and --json" "one export at a time" info "$tmp/syn.h5" --csv --json
# xbar run on a study (a train.lr axis): the study's figures and its table of
# points, not paper 001's tables of the flat grid (which would list its
# four models under two sigma_train rows); xbar info prints the same table.
mkdir "$tmp/runstudy"
{ cat "$tmp/syn.cfg"
  echo 'study = { axes = ( { key = "train.lr"; values = [0.01, 0.02]; } ); };'
} | sed "s|$tmp/syn.h5|$tmp/runstudy/st.h5|" >"$tmp/runstudy/st.cfg"
run run "$tmp/runstudy/st.cfg" --quiet
if [ "$rc" -eq 0 ] && grep -q '^study  *3 axes, 8 points, 8 done' "$tmp/out" &&
    [ "$(grep -c '^0\.5  *0\.0[12]  *0   ' "$tmp/out")" -eq 2 ] && ! grep -q 'paper 001' "$tmp/out" &&
    [ -s "$tmp/runstudy/st_study_heatmap.svg" ] && [ ! -e "$tmp/runstudy/st_heatmap.svg" ] &&
    "$XBAR" info "$tmp/runstudy/st.h5" | grep -q '^study  *3 axes' &&
    ! "$XBAR" info "$tmp/runstudy/st.h5" | grep -q 'paper 001'; then
    ok "run and info on a study: the study's table and figures, no paper-001 tables"
else
    bad "run on a study: exit $rc, $(head -c 300 "$tmp/err") $(grep -c . "$tmp/out") lines, $(ls "$tmp/runstudy" | tr '\n' ' ')"
fi
expect_usage "info: --csv with --datasets" "which writes only the export" info "$tmp/syn.h5" --datasets --csv
# A train.* axis gives each training point its own trainer, whatever the algorithm: a
# point is the plain sweep with the axis value set, parameters bit for bit. HIRE's
# carried noise is sized by each point's batch (train.batch axis); adversarial
# training keeps its attack at every point (train.lr axis).
mkdir "$tmp/trainaxes"
cat >"$tmp/trainaxes/hire.cfg" <<EOT
model = { name = "tiny-hire"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "encode"; steps = 2; encoding = "direct"; },
    { type = "lif"; units = 16; leak = 0.5; learn_threshold = true; },
    { type = "lif"; units = 10; leak = 0.5; readout = "membrane-sum"; } ); };
data = { set = "synthetic"; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 2;
  algorithm = "hire"; periods = 2; noise_step = 0.02; noise_bound = 0.05; };
sweep = { noise = "add"; sigma_train = [0.5]; sigma_test = [0.0]; eval_rows = 160;
  output = "$tmp/trainaxes/h.h5"; };
EOT
cat >"$tmp/trainaxes/adv.cfg" <<EOT
model = { name = "tiny"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "flatten"; }, { type = "dense"; units = 16; }, { type = "relu"; },
             { type = "dense"; units = 10; } ); };
data = { set = "synthetic"; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 2; algorithm = "adversarial";
  adv_attack = "pgd"; adv_eps = 0.1; adv_step = 0.05; adv_steps = 2; };
sweep = { noise = "mult"; sigma_train = [0.0]; sigma_test = [0.0]; eval_rows = 96;
  output = "$tmp/trainaxes/a.h5"; };
EOT
# axis_point CFG KEY V0 V1: a study of CFG over KEY = [V0, V1]; its point KEY = V1
# (model 1) against the plain sweep of CFG with KEY = V1.
axis_point() {
    { cat "$tmp/trainaxes/$1.cfg"; echo "study = { axes = ( { key = \"$2\"; values = [$3, $4]; } ); };"; } |
        sed "s|output = \"$tmp/trainaxes/[a-z]*.h5\"|output = \"$tmp/trainaxes/$1_study.h5\"|" >"$tmp/trainaxes/$1_study.cfg"
    run sweep "$tmp/trainaxes/$1_study.cfg" --quiet
    rc_study=$rc
    run sweep "$tmp/trainaxes/$1.cfg" --quiet --set "$2=$4" --set "sweep.output=$tmp/trainaxes/$1_plain.h5"
    h5dump -d /models/1/params "$tmp/trainaxes/$1_study.h5" 2>/dev/null | sed 1,2d >"$tmp/want"
    h5dump -d /models/0/params "$tmp/trainaxes/$1_plain.h5" 2>/dev/null | sed 1,2d >"$tmp/got"
    [ "$rc_study" -eq 0 ] && [ "$rc" -eq 0 ] && grep -q DATA "$tmp/want" && cmp -s "$tmp/want" "$tmp/got" &&
        ok "a $1 study over $2: the point $2 = $4 is the plain sweep's model, bit for bit" ||
        bad "a $1 study over $2: exit $rc_study / $rc, $(head -c 300 "$tmp/err")"
}
axis_point hire train.batch 32 16
axis_point adv train.lr 0.01 0.02
[ "$(h5dump -H -d /models/0/train_carry "$tmp/trainaxes/hire_study.h5" 2>/dev/null | grep -o 'SIMPLE { ( [0-9]* )')" = "SIMPLE { ( 2048 )" ] &&
    [ "$(h5dump -H -d /models/1/train_carry "$tmp/trainaxes/hire_study.h5" 2>/dev/null | grep -o 'SIMPLE { ( [0-9]* )')" = "SIMPLE { ( 1024 )" ] &&
    ok "HIRE's carried noise per training point: 32 x 64 and 16 x 64 values" ||
    bad "HIRE's carried noise: $(h5ls -r "$tmp/trainaxes/hire_study.h5" | grep carry)"
# The resolved initialisation of every weighted layer is in the file's /config.
[ "$(h5dump -d /config "$tmp/syn.h5" 2>/dev/null | grep -c 'type = "dense"; units = [0-9]*; init = "he-uniform"; }')" -eq 2 ] &&
    ok "/config names each dense layer's init" || bad "/config lacks init: $(h5dump -d /config "$tmp/syn.h5" | head -c 600)"
expect_usage "sweep: bad model.init" 'model.init = "kaiming": expected one of he-uniform, glorot-uniform, pytorch' \
    sweep "$tmp/syn.cfg" --set model.init=kaiming
expect_usage "eval: model.init is not used" "model.init" eval "$tmp/syn.cfg" --model "$tmp/model.h5" \
    --set model.init=pytorch
expect_usage "train: no -o" "-o MODEL.h5" train "$tmp/syn.cfg"
# ---- xbar attack on the synthetic model -----------------------------------------
cat >"$tmp/att.cfg" <<EOT
@include "syn.cfg"
attack = { eps = [0.0, 0.1, 0.3]; images = 60; step = 0.05; steps = 5; };
EOT
expect_ok "xbar attack" attack "$tmp/att.cfg" --model "$tmp/model.h5" -q
# Paper 000's layout: Ori. first, then one column per attack; at eps 0 every
# column is the clean accuracy; accuracy falls at eps 0.3.
grep -Eq '^eps +Ori\. +FGSM +BIM +PGD +MIM$' "$tmp/out" && ok "attack prints paper 000's columns" ||
    bad "attack header: $(cat "$tmp/out")"
awk '$1 == "0" { for (i = 3; i <= NF; i++) if ($i != $2) bad = 1; seen = 1 }
     END { exit !(seen && !bad) }' "$tmp/out" && ok "attack at eps 0 is the clean accuracy" ||
    bad "attack at eps 0: $(grep '^0 ' "$tmp/out")"
awk '$1 == "0.3" { for (i = 3; i <= NF; i++) if ($i >= $2) bad = 1; seen = 1 }
     END { exit !(seen && !bad) }' "$tmp/out" && ok "every attack lowers accuracy at eps 0.3" ||
    bad "attack at eps 0.3: $(grep '^0.3 ' "$tmp/out")"
same_threads "xbar attack 1 vs 2 threads" attack "$tmp/att.cfg" --model "$tmp/model.h5" -q \
    --set attack.noise=mult --set attack.sigma=0.5 --set attack.eot=3 --set attack.votes=3 \
    --set attack.restarts=2
run attack "$tmp/att.cfg" --model "$tmp/model.h5" -q -o "$tmp/att.h5"
[ "$rc" -eq 0 ] && h5dump -d /attack/accuracy "$tmp/att.h5" 2>/dev/null | grep -q "DATASPACE  SIMPLE { ( 4, 3 )" &&
    ok "attack -o writes accuracy [attacks x eps]" || bad "attack -o: exit $rc, $(head -c 300 "$tmp/err")"
"$XBAR" info --datasets "$tmp/att.h5" 2>/dev/null | grep -q "not in xbar's layout" &&
    bad "attack -o wrote an object the layout lacks" || ok "every object of attack -o is a layout row"
# attack.examples: -o holds the images [attacks x eps x images x pixels] and labels; at eps 0
# every kind's are the same (the clean images), each within its eps of them and in [0, 1].
run attack "$tmp/att.cfg" --model "$tmp/model.h5" -q -o "$tmp/attex.h5" --set attack.examples=true
h5dump -d /attack/examples -y -w 0 -m %.9g -o "$tmp/ex.txt" "$tmp/attex.h5" >/dev/null 2>&1
if [ "$rc" -eq 0 ] && h5dump -d /attack/labels "$tmp/attex.h5" 2>/dev/null | grep -q "DATASPACE  SIMPLE { ( 60 )" &&
    tr -s ', \n' '\n\n\n' <"$tmp/ex.txt" | grep . | awk -v K=4 -v J=3 -v NF0=3840 '
    { v[NR - 1] = $1 }
    END { if (NR != K * J * NF0) exit 1; split("0 0.1 0.3", eps, " ")
          for (k = 0; k < K; k++) for (j = 0; j < J; j++) for (i = 0; i < NF0; i++) {
              x = v[(k * J + j) * NF0 + i]; d = x - v[i]; if (d < 0) d = -d
              if (x < 0 || x > 1 || d > eps[j + 1] + 1e-6 || (j == 0 && d != 0)) exit 1
              moved += j > 0 && d > 0 }
          exit !(moved > 0) }'; then
    ok "attack.examples: -o holds every kind's images at every eps, within eps of the clean ones"
else
    bad "attack.examples: exit $rc, $(h5ls -r "$tmp/attex.h5" 2>&1 | head -c 300)"
fi
expect_usage "attack.examples without -o" "the images go to -o FILE.h5" attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" --set attack.examples=true
# Paper 000's seven columns (Tables 2-3), NAttack, DIM and TIM sized for 8 x 8.
expect_ok "xbar attack: the seven attacks" attack "$tmp/att.cfg" --model "$tmp/model.h5" -q \
    --set attack.attacks=fgsm,bim,pgd,mim,nattack,dim,tim --set attack.nattack_pop=20 \
    --set attack.nattack_iters=10 --set attack.dim_min=6 --set attack.tim_kernel=3
grep -Eq '^eps +Ori\. +FGSM +BIM +PGD +MIM +NAttack +DIM +TIM$' "$tmp/out" &&
    awk '$1 == "0.3" { seen = 1; for (i = 3; i <= NF; i++) if ($i >= $2) bad = 1 }
         END { exit !(seen && !bad) }' "$tmp/out" &&
    ok "attack prints paper 000's seven columns, each below Ori. at eps 0.3" ||
    bad "attack, seven kinds: $(cat "$tmp/out")"
# The obfuscated-gradient checklist (paper 002 Table 4): the trained model
# passes all five tests (exit 0); a model that fails one exits 3
# (tests/models/test_attack_checklist.c has a masked-gradient one).
run attack "$tmp/att.cfg" --model "$tmp/model.h5" -q --check --set attack.nattack_pop=20 \
    --set attack.nattack_iters=10
[ "$rc" -eq 0 ] && [ "$(grep -cE '^(one_step|black_box|unbounded|monotone|random) +pass ' "$tmp/out")" -eq 5 ] &&
    grep -q '^all 5 tests passed$' "$tmp/out" && ok "attack --check: five tests passed, exit 0" ||
    bad "attack --check: exit $rc, $(cat "$tmp/out") $(head -c 300 "$tmp/err")"
same_threads "attack --check 1 vs 2 threads" attack "$tmp/att.cfg" --model "$tmp/model.h5" -q \
    --check --set attack.nattack_pop=20 --set attack.nattack_iters=10
# A noisy target (sigma 0.5, one vote) attacked with 2 draws per gradient:
# PGD's accuracy rises from eps 0.225 to 0.3 (5.00 to 6.67 %), the
# checklist says so and exits 3; the same bits for 1 and 2 threads.
for t in 1 2; do
    OMP_NUM_THREADS=$t "$XBAR" attack "$tmp/att.cfg" --model "$tmp/model.h5" -q --check \
        --set attack.nattack_pop=20 --set attack.nattack_iters=10 --set attack.noise=mult \
        --set attack.sigma=0.5 --set attack.eot=2 >"$tmp/t$t" 2>"$tmp/err"
    eval "rc$t=\$?"
done
[ "$rc1" -eq 3 ] && [ "$rc2" -eq 3 ] && cmp -s "$tmp/t1" "$tmp/t2" &&
    grep -Eq '^monotone +FAIL  PGD at eps' "$tmp/t1" && grep -q '^1 of 5 tests failed' "$tmp/t1" &&
    ok "attack --check on a noisy target: monotone fails, exit 3, 1 and 2 threads identical" ||
    bad "attack --check, noisy: exit $rc1/$rc2, $(cat "$tmp/t1")"
expect_usage "attack --check writes no file" "writes no file" attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" --check -o "$tmp/chk.h5"
expect_usage "attack: dim_min must shrink the image" "dim_min = 25" attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" --set attack.attacks=dim
expect_usage "attack: nattack keys without nattack" "attack.attacks has no nattack" attack \
    "$tmp/att.cfg" --model "$tmp/model.h5" --set attack.nattack_pop=20
expect_usage "attack: unknown kind" 'unknown attack "cw"' attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" --set attack.attacks=fgsm,cw
expect_usage "attack: eps out of range" "attack.eps" attack "$tmp/att.cfg" --model "$tmp/model.h5" \
    --set attack.eps=1.5
expect_usage "attack: eot on a noiseless target" "one draw is its gradient" attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" --set attack.eot=4
expect_usage "attack: mu without mim" "attack.attacks has no mim" attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" --set attack.attacks=fgsm,pgd --set attack.mu=0.9
expect_usage "attack: steps with fgsm alone" "only fgsm" attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" --set attack.attacks=fgsm --set attack.steps=3
expect_usage "sweep: attack keys are xbar attack's" "read by xbar attack only" sweep "$tmp/syn.cfg" \
    --set attack.eps=0.2
# ---- xbar attack on a device ---------------------------------------------------
# The ideal device with ideal converters reads the noiseless products bit for bit, so
# its chips (sweep.repeats = 2 of syn.cfg) give the noiseless target's accuracies
# exactly (the doubles of -o), with a zero interval; a PCM chip is attacked with EOT
# over its reads, the same bits for 1 and 2 threads, and -o keeps each chip's table.
run attack "$tmp/att.cfg" --model "$tmp/model.h5" -q -o "$tmp/att0.h5"
run attack "$tmp/att.cfg" --model "$tmp/model.h5" -q -o "$tmp/attideal.h5" --set device.type=ideal
for d in accuracy accuracy_clean; do
    h5dump -d /attack/$d -m %.17g "$tmp/att0.h5" 2>/dev/null | sed 1,2d >"$tmp/want"
    h5dump -d /attack/$d -m %.17g "$tmp/attideal.h5" 2>/dev/null | sed 1,2d >"$tmp/got"
    [ "$rc" -eq 0 ] && grep -q DATA "$tmp/want" && cmp -s "$tmp/want" "$tmp/got" &&
        ok "attack on ideal chips: /attack/$d the noiseless target's, bit for bit" ||
        bad "attack on ideal chips: exit $rc, /attack/$d $(tr -s ' \n' ' ' <"$tmp/got") vs $(tr -s ' \n' ' ' <"$tmp/want")"
done
grep -q '^chips: 2$' "$tmp/out" && grep -q '^device: ideal$' "$tmp/out" &&
    awk '/^95 % interval/ { on = 1; next } on && $1 ~ /^[0-9]/ { n++; for (i = 2; i <= NF; i++) if ($i != "0.00") bad = 1 }
         END { exit !(n == 3 && !bad) }' "$tmp/out" &&
    ok "attack on ideal chips: 2 chips, every 95 % interval 0" || bad "attack on ideal chips: $(cat "$tmp/out")"
same_threads "xbar attack on PCM chips, EOT over reads, 1 vs 2 threads" attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" -q --config "$root/configs/devices/pcm_1h.cfg" --set device.read_scale=10 \
    --set attack.eot=3 --set attack.attacks=pgd,mim
run attack "$tmp/att.cfg" --model "$tmp/model.h5" -q -o "$tmp/attpcm.h5" \
    --config "$root/configs/devices/pcm_1h.cfg" --set sweep.repeats=3
[ "$rc" -eq 0 ] && h5dump -d /attack/accuracy_chip "$tmp/attpcm.h5" 2>/dev/null | grep -q "DATASPACE  SIMPLE { ( 3, 4, 3 )" &&
    h5dump -d /attack/accuracy_clean_chip "$tmp/attpcm.h5" 2>/dev/null | grep -q "DATASPACE  SIMPLE { ( 3 )" &&
    ok "attack on PCM chips -o writes accuracy_chip [chips x attacks x eps]" ||
    bad "attack on PCM chips -o: exit $rc, $(head -c 300 "$tmp/err")"
# Each chip is programmed with its own noise: the chips' tables are not all the same.
h5dump -d /attack/accuracy_chip -y -w 0 -m %.17g -o "$tmp/chips.txt" "$tmp/attpcm.h5" >/dev/null 2>&1
tr -s ', \n' '\n\n\n' <"$tmp/chips.txt" | grep . |
    awk '{ v[NR - 1] = $1 } END { for (i = 0; i < 12; i++) if (v[i] != v[12 + i] || v[i] != v[24 + i]) d++
                                  exit !(NR == 36 && d > 0) }' &&
    ok "attack on PCM chips: the chips' accuracies differ" || bad "attack on PCM chips: every chip the same"
# Each chip's clean accuracy is read on that chip: on strong-noise chips (the
# noiseless weights score far higher) xbar attack's equals xbar eval's per chip,
# bit for bit, on the same 500 test images.
strong="--config $root/configs/devices/pcm_1h.cfg --set device.read_scale=10 --set device.prog_scale=10 --set sweep.repeats=3"
# shellcheck disable=SC2086
run eval "$tmp/att.cfg" --model "$tmp/model.h5" -o "$tmp/evstrong.h5" $strong
# shellcheck disable=SC2086
run attack "$tmp/att.cfg" --model "$tmp/model.h5" -q -o "$tmp/attstrong.h5" $strong \
    --set attack.images=0 --set attack.attacks=fgsm --set attack.eps=0
h5dump -d /eval/accuracy -y -w 0 -m %.17g "$tmp/evstrong.h5" 2>/dev/null | sed -n '/^   DATA {/,/^   }/p' >"$tmp/want"
h5dump -d /attack/accuracy_clean_chip -y -w 0 -m %.17g "$tmp/attstrong.h5" 2>/dev/null | sed -n '/^   DATA {/,/^   }/p' >"$tmp/got"
[ "$rc" -eq 0 ] && [ "$(grep -c '^ *0\.' "$tmp/want")" -eq 3 ] && cmp -s "$tmp/want" "$tmp/got" &&
    ok "attack on strong-noise chips: each chip's clean accuracy is xbar eval's, bit for bit" ||
    bad "attack on strong-noise chips: exit $rc, clean $(tr -s ' \n' ' ' <"$tmp/got") vs eval's $(tr -s ' \n' ' ' <"$tmp/want")"
"$XBAR" info --datasets "$tmp/attpcm.h5" 2>/dev/null | grep -q "not in xbar's layout" &&
    bad "attack on a device -o wrote an object the layout lacks" || ok "every object of attack on a device -o is a layout row"
expect_usage "attack: abstract noise on a device" "on a device the noise layers inject nothing" \
    attack "$tmp/att.cfg" --model "$tmp/model.h5" --set device.type=pcm --set attack.sigma=0.5
expect_usage "attack: chips without a device" "sweep.repeats counts the chips" attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" --set sweep.repeats=3
expect_usage "attack: one read time per chip" "reads each chip at one time" attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" --set device.type=pcm --set "sweep.t=1,2"
# xbar info on an attack file: the table xbar attack printed (paper 000's layout), and
# on a device the chips' 95 % intervals; xbar plot: accuracy vs eps, one file or several.
run attack "$tmp/att.cfg" --model "$tmp/model.h5" -q --config "$root/configs/devices/pcm_1h.cfg" \
    --set sweep.repeats=3
sed -n '/^accuracy (%)/,/^$/p' "$tmp/out" | sed 1d | grep . >"$tmp/want"
run info "$tmp/attpcm.h5"
sed -n '/^robustness (paper 000 Tables 2-3)/,/^$/p' "$tmp/out" | sed 1d | grep . >"$tmp/got"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/want")" -eq 4 ] && cmp -s "$tmp/want" "$tmp/got" &&
    grep -q '^95 % interval half-width over 3 chips (%)$' "$tmp/out" &&
    ok "info on an attack file: the table xbar attack printed, and the chips' intervals" ||
    bad "info on an attack file: exit $rc, $(cat "$tmp/got") vs $(cat "$tmp/want")"
run plot "$tmp/attpcm.h5" -o "$tmp/attfigs"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ] && [ -s "$tmp/attfigs/attpcm_attack_acc_vs_eps.png" ] &&
    grep -q '</svg>' "$tmp/attfigs/attpcm_attack_acc_vs_eps.svg" &&
    ok "plot on an attack file: accuracy vs eps, PNG and SVG" || bad "plot on an attack file: exit $rc, $(head -c 300 "$tmp/err")"
run plot "$tmp/att0.h5" "$tmp/attpcm.h5" -o "$tmp/attfigs"
[ "$rc" -eq 0 ] && grep -q 'att0_attack_acc_vs_eps.svg$' "$tmp/out" &&
    ok "plot on two attack files: one figure named after the first" || bad "plot on two attack files: exit $rc, $(head -c 300 "$tmp/err")"
expect_usage "plot: an attack file beside a sweep" "not an attack result" plot "$tmp/att0.h5" "$tmp/syn.h5"
expect_usage "plot: study options on an attack file" "are for sweeps and studies" plot "$tmp/att0.h5" \
    --x sweep.sigma_test
# MFDV (paper 003): a feature layer with learned noise, trained with it on, attacked with
# M-sample (softmax-averaged) votes and EOT; the same bits for 1 and 2 threads, training included.
cat >"$tmp/mfdv.cfg" <<EOT
model = { name = "tiny_mfdv"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "flatten"; }, { type = "dense"; units = 16; }, { type = "relu"; },
             { type = "dense"; units = 8; }, { type = "batchnorm"; fixed = true; },
             { type = "mfdv"; variance_weight = 0.5; }, { type = "dense"; units = 10; } ); };
data = { set = "synthetic"; validation = 0.1; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 2; };
sweep = { noise = "add"; sigma_train = [1.0]; eval_rows = 96; };
attack = { attacks = "pgd"; eps = [0.1]; images = 40; step = 0.05; steps = 3; };
EOT
noisy="--set attack.noise=add --set attack.sigma=1 --set attack.eot=4 --set attack.votes=4"
OMP_NUM_THREADS=2 "$XBAR" train "$tmp/mfdv.cfg" -o "$tmp/mfdv2.h5" -q 2>"$tmp/err"
run train "$tmp/mfdv.cfg" -o "$tmp/mfdv.h5" --threads 1 -q
[ "$rc" -eq 0 ] && [ -n "$(h5dump -d /models/0/params "$tmp/mfdv.h5" 2>/dev/null | grep DATA)" ] &&
    [ "$(h5dump -d /models/0/params "$tmp/mfdv.h5")" = "$(h5dump -d /models/0/params "$tmp/mfdv2.h5" | sed "s#mfdv2.h5#mfdv.h5#")" ] &&
    ok "xbar train with an mfdv layer: 1 and 2 threads give the same parameters" ||
    bad "xbar train with an mfdv layer: exit $rc or parameters differ for 1 and 2 threads"
# shellcheck disable=SC2086
same_threads "xbar attack, softmax votes of an mfdv target, 1 vs 2 threads" attack "$tmp/mfdv.cfg" \
    --model "$tmp/mfdv.h5" -q $noisy --set attack.vote=softmax
# shellcheck disable=SC2086
expect_ok "xbar attack prints the vote rule" attack "$tmp/mfdv.cfg" --model "$tmp/mfdv.h5" -q \
    $noisy --set attack.vote=softmax
grep -qx "vote: softmax" "$tmp/out" && ok "attack names the softmax vote" ||
    bad "attack output lacks 'vote: softmax': $(head -c 400 "$tmp/out")"
# --check scores the target as xbar attack does: its clean line is the Ori.
# column under either vote rule (on this target the two rules differ).
for v in softmax majority; do
    # shellcheck disable=SC2086
    run attack "$tmp/mfdv.cfg" --model "$tmp/mfdv.h5" -q $noisy --set attack.vote=$v --set attack.images=100
    eval "ori_$v=\$(awk '/^eps +Ori/ { getline; print \$2 }' \"\$tmp/out\")"
    # shellcheck disable=SC2086
    run attack "$tmp/mfdv.cfg" --model "$tmp/mfdv.h5" -q $noisy --set attack.vote=$v --set attack.images=100 \
        --set attack.nattack_pop=20 --set attack.nattack_iters=5 --check
    eval "check_$v=\$(awk '/^clean:/ { print \$2 }' \"\$tmp/out\")"
done
# shellcheck disable=SC2154
[ -n "$ori_softmax" ] && [ "$check_softmax" = "$ori_softmax" ] && [ "$check_majority" = "$ori_majority" ] &&
    [ "$ori_softmax" != "$ori_majority" ] &&
    ok "attack --check scores by attack.vote: clean $check_softmax (softmax), $check_majority (majority), as xbar attack" ||
    bad "attack --check clean: $check_softmax / $check_majority (softmax / majority), xbar attack $ori_softmax / $ori_majority"
expect_usage "attack: a vote rule on a noiseless target" "attack.vote=softmax: not used" attack \
    "$tmp/mfdv.cfg" --model "$tmp/mfdv.h5" --set attack.vote=softmax
# shellcheck disable=SC2086
expect_usage "attack: an unknown vote rule" "attack.vote" attack "$tmp/mfdv.cfg" \
    --model "$tmp/mfdv.h5" $noisy --set attack.vote=mean
# ---- xbar attack --source: black-box transfer -----------------------------------
# Source = target: the source's own accuracy and the target's noiseless one
# are the white-box numbers of xbar attack, kind by kind and eps by eps.
run attack "$tmp/att.cfg" --model "$tmp/model.h5" -q
cp "$tmp/out" "$tmp/white"
expect_ok "xbar attack --source" attack "$tmp/att.cfg" --model "$tmp/model.h5" \
    --source "$tmp/model.h5" -q
awk 'NR == FNR { if ($1 == "eps") for (i = 3; i <= NF; i++) col[i] = $i;
                 else if ($1 ~ /^[0-9.]+$/ && NF >= 3) for (i = 3; i <= NF; i++) w[$1 " " col[i]] = $i;
                 next }
     $5 == "0" && ($1 " " $2) in w { n++; k = $1 " " $2
                                     if ($3 != w[k] || $4 != w[k] || $6 != w[k]) bad = 1 }
     END { exit !(n == 12 && !bad) }' "$tmp/white" "$tmp/out" &&
    ok "transfer from the model to itself gives the white-box numbers" ||
    bad "transfer to itself: $(cat "$tmp/out") against $(cat "$tmp/white")"
same_threads "xbar attack --source 1 vs 2 threads" attack "$tmp/att.cfg" --model "$tmp/model.h5" \
    --source "$tmp/model.h5" -q --set attack.restarts=2
run attack "$tmp/att.cfg" --model "$tmp/model.h5" --source "$tmp/model.h5" -q -o "$tmp/tr.h5"
[ "$rc" -eq 0 ] && h5dump -d /attack/accuracy_noisy "$tmp/tr.h5" 2>/dev/null |
    grep -q "DATASPACE  SIMPLE { ( 4, 3, 2, 2 )" &&
    ok "attack --source -o writes accuracy_noisy [attacks x eps x sigma_test x repeats]" ||
    bad "attack --source -o: exit $rc, $(head -c 300 "$tmp/err")"
"$XBAR" info --datasets "$tmp/tr.h5" 2>/dev/null | grep -q "not in xbar's layout" &&
    bad "attack --source -o wrote an object the layout lacks" || ok "every object of attack --source -o is a layout row"
run info "$tmp/tr.h5"
[ "$rc" -eq 0 ] && grep -q "^the source's own accuracy on its adversarial images (%)$" "$tmp/out" &&
    grep -q '^the target at sigma_test 0.5: 95 % interval half-width (%)$' "$tmp/out" &&
    ok "info on a transfer file: the source's table and the target's at each sigma_test" ||
    bad "info on a transfer file: exit $rc, $(head -c 600 "$tmp/out")"
run plot "$tmp/tr.h5" -o "$tmp/attfigs"
[ "$rc" -eq 0 ] && [ -s "$tmp/attfigs/tr_attack_acc_vs_eps.png" ] && ok "plot on a transfer file" ||
    bad "plot on a transfer file: exit $rc, $(head -c 300 "$tmp/err")"
# Transfer onto chips: on ideal chips every chip reads the noiseless target's products
# bit for bit, so each chip's accuracy is the noiseless target's (the doubles of -o); on
# PCM chips at two read times -o holds [attacks x eps x t x chips], the chips differ, and
# 1 and 2 threads agree.
run attack "$tmp/att.cfg" --model "$tmp/model.h5" --source "$tmp/model.h5" -q -o "$tmp/trideal.h5" \
    --set device.type=ideal
h5dump -d /attack/accuracy -y -w 0 -m %.17g -o "$tmp/tr_want.txt" "$tmp/trideal.h5" >/dev/null 2>&1
h5dump -d /attack/accuracy_noisy -y -w 0 -m %.17g -o "$tmp/tr_got.txt" "$tmp/trideal.h5" >/dev/null 2>&1
tr -s ', \n' '\n\n\n' <"$tmp/tr_want.txt" | grep . >"$tmp/tr_w"
tr -s ', \n' '\n\n\n' <"$tmp/tr_got.txt" | grep . >"$tmp/tr_g"
awk 'NR == FNR { w[NR - 1] = $1; nw = NR; next } { g[FNR - 1] = $1; ng = FNR }
     END { if (nw != 12 || ng != 24) exit 1
           for (i = 0; i < 24; i++) if (g[i] != w[int(i / 2)]) exit 1 }' "$tmp/tr_w" "$tmp/tr_g" &&
    [ "$rc" -eq 0 ] && grep -q '^device: ideal$' "$tmp/out" &&
    ok "attack --source onto ideal chips: each chip's accuracy is the noiseless target's, bit for bit" ||
    bad "attack --source onto ideal chips: exit $rc, $(tr '\n' ' ' <"$tmp/tr_g") vs $(tr '\n' ' ' <"$tmp/tr_w")"
pcmt="--set device.type=pcm --set sweep.t=1,86400 --set sweep.repeats=3"
# shellcheck disable=SC2086
run attack "$tmp/att.cfg" --model "$tmp/model.h5" --source "$tmp/model.h5" -q -o "$tmp/trpcm.h5" $pcmt
h5dump -d /attack/accuracy_noisy -y -w 0 -m %.17g -o "$tmp/tr_got.txt" "$tmp/trpcm.h5" >/dev/null 2>&1
[ "$rc" -eq 0 ] && h5dump -d /attack/accuracy_noisy "$tmp/trpcm.h5" 2>/dev/null |
    grep -q "DATASPACE  SIMPLE { ( 4, 3, 2, 3 )" &&
    [ "$(h5dump -d /attack/t_test -y -w 0 "$tmp/trpcm.h5" 2>/dev/null | tr -d ' \n' | grep -o '{1,86400}')" = "{1,86400}" ] &&
    tr -s ', \n' '\n\n\n' <"$tmp/tr_got.txt" | grep . |
    awk '{ v[NR - 1] = $1 } END { for (i = 0; i < 24; i++) if (v[3 * i] != v[3 * i + 1] || v[3 * i] != v[3 * i + 2]) d++
                                  exit !(NR == 72 && d > 0) }' &&
    ok "attack --source onto PCM chips: accuracy_noisy [attacks x eps x t x chips], t_test, the chips differ" ||
    bad "attack --source onto PCM chips: exit $rc, $(head -c 300 "$tmp/err")"
# At eps 0 the images are the clean ones: each chip at each read time reads what xbar eval
# reads on the same chips (programmed, calibrated and aged alike), bit for bit.
# shellcheck disable=SC2086
run eval "$tmp/syn.cfg" --model "$tmp/model.h5" -o "$tmp/evpcmt.h5" $pcmt
h5dump -d /eval/accuracy -y -w 0 -m %.17g "$tmp/evpcmt.h5" 2>/dev/null | sed -n '/^   DATA {/,/^   }/p' >"$tmp/want"
# shellcheck disable=SC2086
run attack "$tmp/att.cfg" --model "$tmp/model.h5" --source "$tmp/model.h5" -q -o "$tmp/trpcm0.h5" $pcmt \
    --set attack.attacks=fgsm --set attack.eps=0 --set attack.images=0
h5dump -d /attack/accuracy_noisy -y -w 0 -m %.17g "$tmp/trpcm0.h5" 2>/dev/null | sed -n '/^   DATA {/,/^   }/p' >"$tmp/got"
[ "$rc" -eq 0 ] && [ "$(grep -c '^ *0\.' "$tmp/want")" -eq 6 ] && cmp -s "$tmp/want" "$tmp/got" &&
    ok "attack --source onto PCM chips at eps 0: each chip and read time is xbar eval's, bit for bit" ||
    bad "attack --source onto PCM chips at eps 0: exit $rc, $(tr -s ' \n' ' ' <"$tmp/got") vs eval's $(tr -s ' \n' ' ' <"$tmp/want")"
"$XBAR" info --datasets "$tmp/trpcm.h5" 2>/dev/null | grep -q "not in xbar's layout" &&
    bad "attack --source onto chips -o wrote an object the layout lacks" ||
    ok "every object of attack --source onto chips -o is a layout row"
run info "$tmp/trpcm.h5"
[ "$rc" -eq 0 ] && grep -q '^the target on the chips at t = 86400 s: accuracy (%), the mean of 3 chips$' "$tmp/out" &&
    ok "info on a transfer onto chips: a table per read time" ||
    bad "info on a transfer onto chips: exit $rc, $(head -c 600 "$tmp/out")"
# shellcheck disable=SC2086
same_threads "xbar attack --source onto PCM chips 1 vs 2 threads" attack "$tmp/att.cfg" \
    --model "$tmp/model.h5" --source "$tmp/model.h5" -q $pcmt --set attack.attacks=pgd
expect_usage "attack --source onto chips: sweep.sigma_test" "on a device the test points are the read times" \
    attack "$tmp/att.cfg" --model "$tmp/model.h5" --source "$tmp/model.h5" --set device.type=pcm \
    --set sweep.sigma_test=0.1
expect_usage "attack --source: read times without a device" "read times belong to a device" \
    attack "$tmp/att.cfg" --model "$tmp/model.h5" --source "$tmp/model.h5" --set sweep.t=1
sed 's/input = \[1, 8, 8\]/input = [1, 4, 16]/' "$tmp/syn.cfg" >"$tmp/shape.cfg"
expect_usage "attack --source: another input shape" "the source must take the target's images" \
    attack "$tmp/att.cfg" --model "$tmp/model.h5" --source "$tmp/model.h5" \
    --source-config "$tmp/shape.cfg"
sed 's/set = "synthetic"/set = "mnist"/' "$tmp/syn.cfg" >"$tmp/mnist_src.cfg"
expect_usage "attack --source: another data set" "a transfer attack reads one data set" \
    attack "$tmp/att.cfg" --model "$tmp/model.h5" --source "$tmp/model.h5" \
    --source-config "$tmp/mnist_src.cfg"
sed 's/units = 16/units = 20/' "$tmp/syn.cfg" >"$tmp/wide.cfg"
expect_usage "attack --source: a model file of another model" "the model needs 1536" \
    attack "$tmp/att.cfg" --model "$tmp/model.h5" --source "$tmp/model.h5" \
    --source-config "$tmp/wide.cfg"
expect_usage "attack: --source-config without --source" "not used without --source" \
    attack "$tmp/att.cfg" --model "$tmp/model.h5" --source-config "$tmp/wide.cfg"
expect_usage "attack --source: sweep.votes" "not used by xbar attack --source" \
    attack "$tmp/att.cfg" --model "$tmp/model.h5" --source "$tmp/model.h5" --set sweep.votes=3
expect_usage "eval: no such model" "$tmp/nosuch.h5" eval "$tmp/syn.cfg" --model "$tmp/nosuch.h5"
expect_usage "sweep: unknown --set key" "train.nope" sweep "$tmp/syn.cfg" --set train.nope=1
expect_usage "sweep: bad --set value" "sweep.votes = 0" sweep "$tmp/syn.cfg" --set sweep.votes=0
expect_usage "sweep: unwritable output" "sweep.output" sweep "$tmp/syn.cfg" \
    --set sweep.output=/nonexistent/dir/x.h5

# ---- xbar snr-req on the sweep's two models (sim/study/xb_snrreq.h) -------------
run snr-req "$tmp/syn.cfg" --model "$tmp/syn.h5" --threads 1 --quiet -o "$tmp/req.h5"
[ "$rc" -eq 0 ] && [ "$(grep -cE '^ +(0|0\.5) +(1|3) ' "$tmp/out")" -eq 4 ] &&
    ok "snr-req: a row per model and K" || bad "snr-req: exit $rc, $(head -c 600 "$tmp/out") $(head -c 300 "$tmp/err")"
# SNR = -20 log10 sigma, from the printed values: sigma to 4 digits (0.0043 dB), the SNR to 2
# decimals (0.005 dB).
awk '$1 == "0" && $2 == "1" { d = -20 * log($5) / log(10) - $8; exit !(d < 0.01 && d > -0.01) }' \
    "$tmp/out" && ok "snr-req: SNR = -20 log10 sigma" || bad "snr-req: SNR and sigma disagree: $(cat "$tmp/out")"
# The target is the noiseless accuracy less 1 percentage point (printed to 2 decimals).
awk '$1 == "0.5" && $2 == "1" { d = $3 - $4 - 1; exit !(d < 0.006 && d > -0.006) }' "$tmp/out" &&
    ok "snr-req: target = noiseless - 1 point" || bad "snr-req: target: $(cat "$tmp/out")"
# The sigma_train = 0 model at K = 1 buys nothing against itself.
grep -qE '^ +0 +1 .* 0\.00 \[0\.00, 0\.00\] +0\.00 \[0\.00, 0\.00\] +[0-9]+$' "$tmp/out" &&
    ok "snr-req: no gain against itself" || bad "snr-req: gains of the baseline: $(cat "$tmp/out")"
h5ls "$tmp/req.h5/snrreq/snr_db" 2>/dev/null | grep -q "{2, 2, 3}" &&
    h5dump -a /snrreq/snr_db/units "$tmp/req.h5" | grep -q '"dB"' &&
    ok "snr-req -o writes [models x K x 3] with units" || bad "snr-req -o: $(h5ls -r "$tmp/req.h5" 2>&1 | head -c 600)"
run info "$tmp/req.h5" --datasets
[ "$rc" -eq 0 ] && grep -q "^/snrreq/sigma: float64 \[2 x 2 x 3\]; units 1 " "$tmp/out" &&
    ok "info lists an snr-req result" || bad "info on snr-req: exit $rc, $(head -c 300 "$tmp/err")"
same_threads "snr-req 1 vs 2 threads" snr-req "$tmp/syn.cfg" --model "$tmp/syn.h5" --point 1 \
    --set sweep.votes=1 --quiet
expect_usage "snr-req: loss of 100 points" "--loss 100: expected points in (0, 100)" snr-req \
    "$tmp/syn.cfg" --model "$tmp/syn.h5" --loss 100
expect_usage "snr-req: K = 1 in --votes" "--votes 1 (1): expected an integer" snr-req \
    "$tmp/syn.cfg" --model "$tmp/syn.h5" --votes 1
expect_usage "snr-req: one repeat" "sweep.repeats = 1: the interval on the answer needs at least 2" \
    snr-req "$tmp/syn.cfg" --model "$tmp/syn.h5" --set sweep.repeats=1
expect_usage "snr-req: no such point" "--point 5: $tmp/syn.h5 holds models 0 .. 1" snr-req \
    "$tmp/syn.cfg" --model "$tmp/syn.h5" --point 5
expect_usage "snr-req: -o onto a result" "req.h5 exists; use --force to replace it" snr-req \
    "$tmp/syn.cfg" --model "$tmp/syn.h5" -o "$tmp/req.h5"
# -o is checked before any work: a missing directory is a usage error at once.
expect_usage "snr-req: -o into a missing directory" "/nonexistent/dir/r.h5" snr-req \
    "$tmp/syn.cfg" --model "$tmp/syn.h5" -o /nonexistent/dir/r.h5
# ---- xbar eval on chips (issue 10): the device sweep's evaluation ------------------
sed -e 's/sigma_train = \[0.0, 0.5\]; sigma_test = \[0.0, 0.5\]; repeats = 2;/sigma_train = [0.0]; test = "device"; t = [1.0, 86400.0]; repeats = 2;/' \
    -e "s|$tmp/syn.h5|$tmp/dev.h5|" "$tmp/syn.cfg" >"$tmp/dev.cfg"
printf 'device = { type = "pcm"; };\nxbar = { dac_bits = 8; adc_bits = 6; adc_range = "max"; };\n' \
    >>"$tmp/dev.cfg"
run sweep "$tmp/dev.cfg" --quiet
[ "$rc" -eq 0 ] || bad "device sweep: exit $rc, $(head -c 300 "$tmp/err")"
expect_ok "eval on the chips of a device sweep" eval "$tmp/dev.cfg" --model "$tmp/dev.h5"
cp "$tmp/out" "$tmp/eval-dev.out"
# Element J of dataset D of the sweep file, printed with FORMAT.
h5at() { h5dump -m %.17g -d "$1" -s "$2" -c "$3" "$tmp/dev.h5" | awk -v f="$4" '/^ *\([0-9,]*\): [-0-9.eEinf]+$/ { printf f, $2 }'; }
for j in 0 1; do
    # The j-th block of eval's output: its voted accuracy and the chip's SNR.
    got_v=$(awk -v j=$j '/^accuracy_vote_k3:/ { if (n++ == j) print $2 }' "$tmp/eval-dev.out")
    got_s=$(awk -v j=$j '/^snr_db_measured:/ { if (n++ == j) print $2 }' "$tmp/eval-dev.out")
    want_v=$(h5at /sweep/accuracy_vote "0,$j,2" "1,1,1" "%.6f")
    want_s=$(h5at /sweep/snr_db_measured "0,$j" "1,1" "%.4f")
    [ -n "$want_v" ] && [ "$got_v" = "$want_v" ] && [ "$got_s" = "$want_s" ] &&
        ok "eval on chips at t[$j] is the device sweep's: vote $got_v, SNR $got_s dB" ||
        bad "eval on chips at t[$j]: vote $got_v SNR $got_s, the sweep stored $want_v, $want_s"
done
same_threads "xbar eval on chips 1 vs 2 threads" eval "$tmp/dev.cfg" --model "$tmp/dev.h5"
# A strong-noise chip (read and programming noise x10) reads the noiselessly
# trained model worse than the noise-free evaluation, at a lower SNR.
run eval "$tmp/syn.cfg" --model "$tmp/syn.h5" --set sweep.sigma_test=0
clean=$(awk '/^accuracy_mean:/ { print $2 }' "$tmp/out")
run eval "$tmp/syn.cfg" --model "$tmp/syn.h5" --set device.type=pcm --set device.read_scale=10 \
    --set device.prog_scale=10 --set sweep.t=60
noisy=$(awk '/^accuracy_mean:/ { print $2 }' "$tmp/out")
snr=$(awk '/^snr_db_measured:/ { print $2 }' "$tmp/out")
[ "$rc" -eq 0 ] && awk -v a="$noisy" -v b="$clean" -v s="$snr" 'BEGIN { exit !(a + 0.05 < b && s < 10) }' &&
    ok "a strong-noise chip: accuracy $noisy < $clean noise-free, SNR $snr dB" ||
    bad "strong-noise chip: exit $rc, accuracy $noisy vs $clean noise-free, SNR $snr dB"

# ---- output paths (sim/io/xb_outfile.h): checked before the work -----------------
# Never replaced: a FIFO, a device node (made here, never /dev's), a symlink
# to either, a dangling symlink, a directory; each exits 2 naming it.
mkdir "$tmp/paths"
mkfifo "$tmp/paths/fifo"
mknod "$tmp/paths/null" c 1 3 2>/dev/null || : # root only; else the FIFO cases stand
ln -s fifo "$tmp/paths/to_fifo"
ln -s nothing "$tmp/paths/dangling"
for target in fifo:"is a FIFO" null:"is a character device" to_fifo:"symbolic link to a FIFO" \
    dangling:"symbolic link to nothing"; do
    pname=${target%%:*}
    [ -e "$tmp/paths/$pname" ] || [ -L "$tmp/paths/$pname" ] || continue
    kind=$(ls -ld "$tmp/paths/$pname" | cut -c1)
    expect_usage "mvm -o $pname" "${target#*:}" mvm --quiet -o "$tmp/paths/$pname"
    expect_usage "train -o $pname" "${target#*:}" train "$tmp/syn.cfg" --quiet -o "$tmp/paths/$pname"
    expect_usage "sweep output $pname" "${target#*:}" sweep "$tmp/syn.cfg" --quiet \
        --set sweep.output="$tmp/paths/$pname"
    [ "$(ls -ld "$tmp/paths/$pname" | cut -c1)" = "$kind" ] && ok "$pname is still what it was" ||
        bad "$pname was replaced: $(ls -ld "$tmp/paths/$pname")"
done
[ ! -e "$tmp/paths/nothing" ] && ok "nothing written through the dangling link" ||
    bad "the dangling link was written through"
expect_usage "sweep output is a directory" "is a directory" sweep "$tmp/syn.cfg" --quiet \
    --set sweep.output="$tmp/paths"
expect_usage "sweep output in a missing directory" "$tmp/nodir" sweep "$tmp/syn.cfg" --quiet \
    --set sweep.output="$tmp/nodir/x.h5"
# A symlink to a regular file is written through and stays a link.
run mvm --rows 8 --cols 8 --batch 2 --quiet -o "$tmp/paths/real.h5"
ln -s real.h5 "$tmp/paths/link.h5"
cp "$tmp/paths/real.h5" "$tmp/paths/before.h5"
run mvm --rows 8 --cols 8 --batch 2 --quiet --seed 9 --force -o "$tmp/paths/link.h5"
if [ "$rc" -eq 0 ] && [ -L "$tmp/paths/link.h5" ] && ! cmp -s "$tmp/paths/real.h5" "$tmp/paths/before.h5" &&
    h5dump -a /seed "$tmp/paths/real.h5" | grep -q "(0): 9"; then
    ok "-o onto a symlink writes the file it names"
else
    bad "-o symlink: exit $rc, $(ls -l "$tmp/paths/link.h5"), $(head -c 300 "$tmp/err")"
fi
# Any legal name works (the temporary's name is cut to fit); one byte more
# fails before the work. Each command replaces the last one's file (--force). 255 is Linux's NAME_MAX on the usual file systems.
mkdir "$tmp/long"
max=$(getconf NAME_MAX "$tmp/long" 2>/dev/null || echo 255)
long=$(awk -v n="$max" 'BEGIN { s = ""; while (length(s) < n - 3) s = s "L"; print s ".h5" }')
mid=$(awk -v n="$max" 'BEGIN { s = ""; while (length(s) < n - 10) s = s "M"; print s ".h5" }')
run mvm --rows 8 --cols 8 --batch 2 --quiet -o "$tmp/long/$long"
[ "$rc" -eq 0 ] && [ -f "$tmp/long/$long" ] && ok "mvm -o a $max-byte name" ||
    bad "mvm -o $max-byte name: exit $rc, $(head -c 200 "$tmp/err")"
run train "$tmp/syn.cfg" --quiet --force -o "$tmp/long/$long"
[ "$rc" -eq 0 ] && h5ls "$tmp/long/$long/models/0/params" >/dev/null 2>&1 && ok "train -o a $max-byte name" ||
    bad "train -o $max-byte name: exit $rc, $(head -c 200 "$tmp/err")"
run sweep "$tmp/syn.cfg" --quiet --force --set sweep.output="$tmp/long/$long"
[ "$rc" -eq 0 ] && "$XBAR" info "$tmp/long/$long" >/dev/null 2>&1 && ok "sweep output a $max-byte name" ||
    bad "sweep output $max-byte name: exit $rc, $(head -c 200 "$tmp/err")"
[ "$(ls -A "$tmp/long" | wc -l)" -eq 1 ] && ok "long names: no temporary left" ||
    bad "long names left: $(ls -A "$tmp/long" | cut -c1-40)"
expect_usage "mvm -o a name one byte too long" "File name too long" mvm --quiet -o "$tmp/long/x$long"
# Figures are named after the result (STEM_acc_vs_sigma.png): run and plot
# refuse a result name too long for them before any work.
expect_usage "run: figure names too long" "File name too long" run "$tmp/syn.cfg" --quiet \
    --set sweep.output="$tmp/long/$mid"
[ ! -e "$tmp/long/$mid" ] && ok "run: no sweep before the refusal" || bad "run swept first"
expect_usage "plot: figure names too long" "File name too long" plot "$tmp/long/$long" -o "$tmp/figs"
mkdir "$tmp/figfifo"
mkfifo "$tmp/figfifo/syn_heatmap.svg"
expect_usage "plot: a FIFO where a figure goes" "syn_heatmap.svg is a FIFO" plot "$tmp/syn.h5" \
    -o "$tmp/figfifo"
[ -p "$tmp/figfifo/syn_heatmap.svg" ] && [ "$(ls -A "$tmp/figfifo" | wc -l)" -eq 1 ] &&
    ok "plot: the FIFO stays, nothing drawn" || bad "plot: $(ls -lA "$tmp/figfifo")"
mkdir "$tmp/figlink"
echo old >"$tmp/figlink/kept.svg"
ln -s kept.svg "$tmp/figlink/syn_heatmap.svg"
run plot "$tmp/syn.h5" -o "$tmp/figlink"
[ "$rc" -eq 0 ] && [ -L "$tmp/figlink/syn_heatmap.svg" ] && grep -q "<svg" "$tmp/figlink/kept.svg" &&
    [ -z "$(ls -A "$tmp/figlink" | grep '\.tmp$')" ] &&
    ok "plot: a symlink to a figure is written through" ||
    bad "plot through a symlink: exit $rc, $(ls -lA "$tmp/figlink" | head -c 300)"

# ---- mnist-strokes: de Jong's sequence files, generated here --------------------
# Sequence i: (i mod 10) + 2 pen steps of (i mod 10, 1), eod on the last; label i mod 10.
mkdir -p "$tmp/strokes"
for split in trainimg:60 testimg:20; do
    prefix=${split%%:*}
    n=${split##*:}
    i=0
    while [ "$i" -lt "$n" ]; do
        d=$((i % 10))
        awk -v d="$d" 'BEGIN { n = d + 2; for (s = 1; s <= n; s++) print d, 1, (s == n), (s == n) }' \
            >"$tmp/strokes/$prefix-$i-inputdata.txt"
        awk -v d="$d" 'BEGIN { n = d + 2; for (s = 1; s <= n; s++) {
            for (k = 0; k < 10; k++) printf "%d ", (k == d); print 0, 1, 0, (s == n) } }' \
            >"$tmp/strokes/$prefix-$i-targetdata.txt"
        i=$((i + 1))
    done
done
cat >"$tmp/strokes.cfg" <<EOT
model = { name = "tiny-lstm"; input = [1, 12, 2]; classes = 10;
  layers = ( { type = "lstm"; units = 8; }, { type = "dense"; units = 10; }, { type = "noise"; } ); };
data = { set = "mnist-strokes"; dir = "$tmp/strokes"; steps = 12; features = 2; validation = 0.1; };
train = { optimizer = "adam"; lr = 0.01; batch = 16; epochs = 1; };
sweep = { noise = "mult"; sigma_train = [0.0]; sigma_test = [0.0, 0.5]; repeats = 2;
  votes = 3; eval_rows = 48; output = "$tmp/strokes.h5"; };
EOT
run train "$tmp/strokes.cfg" -o "$tmp/strokes-model.h5" --quiet
[ "$rc" -eq 0 ] && h5ls -r "$tmp/strokes-model.h5" | grep -q "/models/0/params" &&
    ok "xbar train on mnist-strokes files" || bad "train on mnist-strokes: exit $rc, $(head -c 300 "$tmp/err")"
expect_usage "mnist-strokes: steps do not match the model" "model.input = [1, 12, 2]" \
    train "$tmp/strokes.cfg" -o "$tmp/s2.h5" --set data.steps=10
expect_usage "mnist-strokes: features 3" "data.features = 3" \
    train "$tmp/strokes.cfg" -o "$tmp/s2.h5" --set data.features=3
# The model file lists all 160 files read; edited data refuses --resume (exit
# 2, naming the file), the original data resumes.
run info "$tmp/strokes-model.h5"
[ "$rc" -eq 0 ] && grep -q '^data_files: 160$' "$tmp/out" &&
    grep -q '^data_files_not_shown: 140 ' "$tmp/out" && ok "info: the 160 stroke files are listed" ||
    bad "info strokes-model: exit $rc, $(grep '^data_files' "$tmp/out")"
cp "$tmp/strokes/testimg-3-inputdata.txt" "$tmp/keep.txt"
printf '1 1 0 0\n2 1 1 1\n' >"$tmp/strokes/testimg-3-inputdata.txt"
expect_usage "train --resume on other data" \
    "was made from other data: $tmp/strokes/testimg-3-inputdata.txt had SHA-256 " \
    train "$tmp/strokes.cfg" -o "$tmp/strokes-model.h5" --quiet --resume
cp "$tmp/keep.txt" "$tmp/strokes/testimg-3-inputdata.txt"
run train "$tmp/strokes.cfg" -o "$tmp/strokes-model.h5" --quiet --resume
[ "$rc" -eq 0 ] && ok "train --resume on the same data" ||
    bad "train --resume on the same data: exit $rc, $(head -c 300 "$tmp/err")"
printf '1 1 0 0\n1 x 0 1\n' >"$tmp/strokes/testimg-7-inputdata.txt"
expect_usage "mnist-strokes: a non-numeric entry" "testimg-7-inputdata.txt:2: column 2: \"x\"" \
    train "$tmp/strokes.cfg" -o "$tmp/s2.h5"
[ ! -e "$tmp/s2.h5" ] && ok "mnist-strokes: no result file after a bad input" ||
    bad "mnist-strokes: $tmp/s2.h5 written despite the bad input"

# ---- every option of every subcommand acts or is rejected: the table ------------
if XBAR="$XBAR" sh "$root/tests/cli_options.sh"; then
    ok "tests/cli_options.sh"
else
    bad "tests/cli_options.sh (its FAIL lines above)"
fi

# ---- a spiking network through sweep, kill and --resume, info, plot, eval on chips ----
if XBAR="$XBAR" sh "$root/tests/cli_snn.sh"; then
    ok "tests/cli_snn.sh"
else
    bad "tests/cli_snn.sh (its FAIL lines above)"
fi

# ---- sweeps over MPI ranks: 2 and 3 ranks, killed ranks, --resume ------------------
if XBAR="$XBAR" sh "$root/tests/mpi.sh"; then
    ok "tests/mpi.sh"
else
    bad "tests/mpi.sh (its FAIL lines above)"
fi

# ---- faults: a full disk, sizes read from outside, one-line errors ----------------
mkdir -p "$tmp/faults"
cat >"$tmp/faults/tiny.cfg" <<EOT
model = { name = "tiny"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "flatten"; }, { type = "dense"; units = 512; }, { type = "relu"; },
             { type = "dense"; units = 10; } ); };
data = { set = "synthetic"; validation = 0.1; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 1; };
sweep = { noise = "mult"; sigma_train = [0.0]; sigma_test = [0.0]; repeats = 1; votes = 1;
  eval_rows = 64; output = "$tmp/faults/out/full.h5"; };
EOT
mkdir -p "$tmp/faults/out"
# A disk that fills up: the file size limit (ulimit -f, in 512-byte blocks
# for POSIX sh; SIGXFSZ ignored so write(2) fails with EFBIG) is below the
# 450 KB the model's parameters and optimiser state need. HDF5's exit-time
# clean-up used to crash (SIGSEGV) on the file whose close had failed.
(ulimit -f 400 && trap '' XFSZ && exec "$XBAR" sweep "$tmp/faults/tiny.cfg" --quiet) \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "File too large" "$tmp/err"; then
    ok "full disk: exit 1, one line: $(cat "$tmp/err")"
else
    bad "full disk: exit $rc (want 1), stderr: $(head -c 300 "$tmp/err")"
fi
no_files "full disk" "$tmp/faults/out"

# Integers beyond 32 bits: libconfig 1.5 wraps them (-4294967294 read as 2
# and accepted as train.epochs); each is refused as written.
sed 's/epochs = 1;/epochs = -4294967294;/' "$tmp/faults/tiny.cfg" >"$tmp/faults/wrap.cfg"
expect_usage "config: epochs = -4294967294 is not 2" "wrap.cfg:5: epochs = -4294967294" \
    sweep "$tmp/faults/wrap.cfg"
sed 's/units = 512;/units = 4294967298;/' "$tmp/faults/tiny.cfg" >"$tmp/faults/wrap.cfg"
expect_usage "config: units = 4294967298 is not 2" "units = 4294967298" \
    sweep "$tmp/faults/wrap.cfg"
printf 'xbar = { adc_bits = 4294967302; };\n' >"$tmp/faults/dev.cfg"
expect_usage "device config: adc_bits = 4294967302 is not 6" "adc_bits = 4294967302" \
    mvm --config "$tmp/faults/dev.cfg"
[ ! -e "$tmp/faults/out/full.h5" ] && ok "config integers: no result file" ||
    bad "config integers: a result file was written"

# User text with control characters stays on the one line of the message.
nl='
'
expect_usage "a newline in a --set value" 'sweep.noise = "a\nb"' \
    sweep "$tmp/faults/tiny.cfg" --set "sweep.noise=a${nl}b"
sed 's/set = "synthetic";/set = "synth\\netic";/' "$tmp/faults/tiny.cfg" >"$tmp/faults/nl.cfg"
expect_usage "a newline in a config string" 'synth\netic' sweep "$tmp/faults/nl.cfg"
expect_usage "a newline in a subcommand name" "'a\\nb\\x01'" "$(printf 'a\nb\001')"

# xbar train stores no sigma_test; its /config text was read from an unset
# buffer, so --resume (under ASan, whose stack differs between runs) said
# the file was "made by a different configuration".
sed 's/units = 512;/units = 16;/' "$tmp/faults/tiny.cfg" >"$tmp/faults/small.cfg"
run train "$tmp/faults/small.cfg" -o "$tmp/faults/m.h5" --quiet
rc1=$rc
run train "$tmp/faults/small.cfg" -o "$tmp/faults/m.h5" --resume --quiet
if [ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ]; then
    ok "xbar train -o F, then --resume F"
else
    bad "train then --resume: exit $rc1, $rc: $(head -c 300 "$tmp/err")"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

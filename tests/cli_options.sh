#!/bin/sh
# tests/cli_options.sh — every option of every subcommand acts or is
# rejected (issue 8 item 7), run by tests/cli.sh.
#
#   XBAR=build/xbar sh tests/cli_options.sh
#
# The table at the end has one row per subcommand x option (more where an
# option acts in one combination and is an error in another):
#
#   SUBCOMMAND | --OPTION | acts or rejects | ARGUMENTS | CHECKS
#
# ARGUMENTS are shell words after `xbar` ($T is a scratch directory holding
# the fixtures made below, $ROOT the repository). "acts": exit 0 and every
# check holds. "rejects": exit 2, nothing on stdout, one line on stderr that
# names the option (--OPTION, or the file given to it: a config file's
# settings are named by file:line), and every check holds. CHECKS, joined
# by " && ":
#
#   out:ERE        a line of stdout matches        err:ERE   the same on stderr
#   msg:TEXT       stderr contains TEXT            noerr     stderr is empty
#   file:PATH      PATH exists and is not empty    nofile:PATH   PATH does not exist
#   keeps:PATH     PATH is byte for byte what it was before the row ran
#   attr:PATH:NAME:ERE   h5dump of attribute NAME of PATH matches ERE (dset: dataset)
#   info:PATH:ERE  `xbar info --show-config PATH` prints a line matching ERE
#   same:ARGS      stdout is that of `xbar ARGS`    differs:ARGS  it is not
#
# The table is checked against the program: every option that
# `xbar CMD --help` lists needs an "acts" row for CMD, and every common
# option that CMD leaves out of its usage (it has no use for it) a
# "rejects" row; a row for an option that is neither fails too. So an
# option added without a row fails here. The last line is
# "cli_options: N passed, M failed"; the exit status is 1 if any failed.
set -u

XBAR=${XBAR:-build/xbar}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/xbar-options.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

if [ ! -x "$XBAR" ]; then
    echo "cli_options: $XBAR is not an executable"
    echo "cli_options: 0 passed, 1 failed"
    exit 1
fi

# ---- fixtures ----------------------------------------------------------------
# An experiment on the synthetic data set (seconds), its device-mode and
# hardware-aware variants, and the files the rows read or must not replace.
cat >"$T/model.inc" <<EOT
model = { name = "tiny"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "flatten"; }, { type = "dense"; units = 16; }, { type = "noise"; },
             { type = "relu"; }, { type = "dense"; units = 10; }, { type = "noise"; } ); };
data = { set = "synthetic"; validation = 0.1; };
EOT
cat >"$T/syn.cfg" <<EOT
@include "model.inc"
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 2; };
sweep = { noise = "mult"; sigma_train = [0.0, 0.5]; sigma_test = [0.0, 0.5]; repeats = 2;
  votes = 3; eval_rows = 96; output = "$T/syn.h5"; };
EOT
cat >"$T/dev.cfg" <<EOT
@include "model.inc"
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 1; };
sweep = { noise = "mult"; sigma_train = [0.0]; test = "device"; t = [1.0, 3600.0];
  repeats = 2; votes = 3; eval_rows = 96; output = "$T/dev.h5"; };
device = { type = "pcm"; };
xbar = { adc_bits = 8; dac_bits = 8; };
EOT
cat >"$T/hwa.cfg" <<EOT
@include "model.inc"
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 1; hw_aware = true; };
sweep = { noise = "mult"; sigma_train = [0.0]; sigma_test = [0.0]; repeats = 1;
  votes = 1; eval_rows = 96; output = "$T/hwa.h5"; };
device = { type = "pcm"; };
EOT
# A gnuplot that leaves a mark, for plot --gnuplot.
printf '#!/bin/sh\necho ran >"%s/gnuplot.ran"\nexec gnuplot "$@"\n' "$T" >"$T/gnuplot"
chmod +x "$T/gnuplot"
printf '#!/bin/sh\necho ran >"%s/gnuplot_report.ran"\nexec gnuplot "$@"\n' "$T" >"$T/gnuplot_report"
chmod +x "$T/gnuplot_report"

fixture() {
    if ! "$XBAR" "$@" -q </dev/null >/dev/null 2>"$T/fixture.err"; then
        echo "cli_options: fixture 'xbar $*' failed: $(cat "$T/fixture.err")"
        echo "cli_options: 0 passed, 1 failed"
        exit 1
    fi
}
fixture sweep "$T/syn.cfg"
fixture sweep "$T/dev.cfg" --set "sweep.output=$T/devmodel.h5"
# sigma_test = 0 only: no finite SNR, so plot skips a figure with a note.
fixture sweep "$T/syn.cfg" --set sweep.sigma_test=0 --set "sweep.output=$T/snr0.h5"
fixture train "$T/syn.cfg" -o "$T/model.h5"
fixture mvm --rows 16 --cols 16 --batch 4 -o "$T/mvm.h5"
for f in sweep-again sweep-force run-again run-force sweep-resume run-resume; do
    fixture sweep "$T/syn.cfg" --set "sweep.output=$T/$f.h5"
done
for f in train-again train-force train-resume; do
    fixture train "$T/syn.cfg" -o "$T/$f.h5"
done
cat >"$T/att.cfg" <<EOT
@include "syn.cfg"
attack = { eps = [0.1]; images = 40; steps = 3; step = 0.05; restarts = 2; };
EOT
fixture attack "$T/att.cfg" --model "$T/model.h5" -o "$T/att-again.h5"
"$XBAR" eval "$T/syn.cfg" --model "$T/model.h5" -o "$T/eval-again.h5" >/dev/null 2>&1 ||
    { echo "cli_options: fixture xbar eval -o failed"; exit 1; }
cp "$T/mvm.h5" "$T/mvm-again.h5"
cp "$T/mvm.h5" "$T/mvm-force.h5"
cp "$T/mvm.h5" "$T/req-again.h5"

# ---- one row ---------------------------------------------------------------------
# check C: 0 if check C holds for the last run (stdout $T/out, stderr $T/err).
check() {
    c=$1
    case $c in
    out:*) grep -Eq -- "${c#out:}" "$T/out" ;;
    err:*) grep -Eq -- "${c#err:}" "$T/err" ;;
    msg:*) grep -Fq -- "${c#msg:}" "$T/err" ;;
    noerr) [ ! -s "$T/err" ] ;;
    file:*) [ -s "${c#file:}" ] ;;
    nofile:*) [ ! -e "${c#nofile:}" ] ;;
    keeps:*) cksum <"${c#keeps:}" | cmp -s - "$T/keep.sum" ;;
    attr:* | dset:*)
        a=${c#*:}
        path=${a%%:*}; a=${a#*:}
        name=${a%%:*}
        flag=-a; [ "${c%%:*}" = dset ] && flag=-d
        h5dump "$flag" "$name" "$path" 2>/dev/null | grep -Eq -- "${a#*:}" ;;
    info:*)
        a=${c#info:}
        "$XBAR" info --show-config "${a%%:*}" </dev/null 2>/dev/null | grep -Eq -- "${a#*:}" ;;
    same:* | differs:*)
        eval "set -- ${c#*:}"
        "$XBAR" "$@" </dev/null >"$T/out2" 2>/dev/null
        if [ "${c%%:*}" = same ]; then cmp -s "$T/out" "$T/out2"; else ! cmp -s "$T/out" "$T/out2"; fi ;;
    *) echo "cli_options: unknown check '$c'"; return 1 ;;
    esac
}

# The value the row gives to option $1 (the word after it), or "".
value_of() {
    v=""
    take=0
    for w in "$@"; do
        [ "$take" = 1 ] && { v=$w; take=2; }
        [ "$w" = "$opt" ] && [ "$take" = 0 ] && take=1
    done
}

run_row() {
    cmd=$1 opt=$2 expect=$3 args=$4 checks=$5
    name="$cmd $opt $expect: xbar $args"
    # Checksums of the files the row must keep, before it runs.
    case $checks in *keeps:*)
        k=${checks#*keeps:}
        cksum <"$(eval "echo ${k%% *}")" >"$T/keep.sum" ;;
    esac
    eval "set -- $args"
    "$XBAR" "$@" </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    why=""
    if [ "$expect" = acts ]; then
        [ "$rc" -eq 0 ] || why="exit $rc, want 0"
    else
        value_of "$@"
        lines=$(wc -l <"$T/err")
        if [ "$rc" -ne 2 ] || [ -s "$T/out" ] || [ "$lines" -ne 1 ]; then
            why="exit $rc (want 2), $lines stderr lines (want 1), stdout $(wc -c <"$T/out") bytes"
        elif ! grep -Fq -- "$opt" "$T/err" &&
            { case $v in */*) ! grep -Fq -- "$v" "$T/err" ;; *) true ;; esac; }; then
            why="the message does not name $opt"
        fi
    fi
    rest=$checks
    while [ -z "$why" ] && [ -n "$rest" ]; do
        case $rest in
        *' && '*) c=${rest%% && *}; rest=${rest#* && } ;;
        *) c=$rest; rest="" ;;
        esac
        c=$(eval "printf '%s' \"$c\"")
        check "$c" || why="check '$c' failed"
    done
    if [ -z "$why" ]; then
        ok "$name"
    else
        bad "$name: $why; stderr: $(head -c 300 "$T/err")"
    fi
    echo "$cmd $opt $expect" >>"$T/rows"
}

# Strips the blanks around a field.
trim() { printf '%s' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }

: >"$T/rows"
while IFS='|' read -r cmd opt expect args checks <&3; do
    case $cmd in '' | '#'*) continue ;; esac
    run_row "$(trim "$cmd")" "$(trim "$opt")" "$(trim "$expect")" "$(trim "$args")" \
        "$(trim "$checks")"
done 3<<'EOF'
# ---- xbar mvm ---------------------------------------------------------------------------
mvm | --rows        | acts    | mvm --rows 8 --batch 4                     | out:^rows: 8$
mvm | --rows        | rejects | mvm --weights $T/mvm.h5 --rows 8           | msg:--rows 8
mvm | --cols        | acts    | mvm --cols 8 --batch 4                     | out:^cols: 8$
mvm | --batch       | acts    | mvm --batch 4                              | out:^batch: 4$
mvm | --calib-rows  | acts    | mvm --adc-bits 8 --batch 64 --calib-rows 16 | out:^calib_rows: 16$ && differs:mvm --adc-bits 8 --batch 64
mvm | --calib-rows  | rejects | mvm --adc-bits 8 --adc-range 4 --set xbar.dac_range=1 --calib-rows 16 | msg:nothing is calibrated
mvm | --tile        | acts    | mvm --rows 8 --cols 8 --batch 4 --tile 4x2 | out:^tiles: 8$
mvm | --weights     | acts    | mvm --weights $T/mvm.h5 --batch 4          | out:^weights: .*/mvm.h5$ && out:^rows: 16$
mvm | --inputs      | acts    | mvm --inputs $T/mvm.h5:/X --cols 16        | out:^inputs: .*/mvm.h5:/X$ && out:^batch: 4$
mvm | --weight-dist | acts    | mvm --weight-dist normal --batch 4         | out:^weights: normal$ && differs:mvm --batch 4
mvm | --weight-dist | rejects | mvm --weights $T/mvm.h5 --weight-dist normal | msg:W comes from the file
mvm | --input-dist  | acts    | mvm --input-dist normal --batch 4          | out:^inputs: normal$ && differs:mvm --batch 4
mvm | --input-dist  | rejects | mvm --inputs $T/mvm.h5 --input-dist normal | msg:X comes from the file
mvm | --output      | acts    | mvm --batch 4 --output $T/mvm-new.h5       | file:$T/mvm-new.h5 && err:^xbar mvm: wrote
mvm | --output      | rejects | mvm --batch 4 --output $T/mvm-again.h5     | msg:mvm-again.h5 exists; use --force to replace it && keeps:$T/mvm-again.h5
mvm | --force       | acts    | mvm --batch 4 --seed 9 --force --output $T/mvm-force.h5 | attr:$T/mvm-force.h5:seed:\(0\): 9$
mvm | --force       | rejects | mvm --batch 4 --force                      | msg:no -o FILE.h5
mvm | --device      | acts    | mvm --device pcm --batch 4                 | out:^device: pcm$ && differs:mvm --batch 4
mvm | --adc-bits    | acts    | mvm --adc-bits 6 --batch 4                 | out:^adc_bits: 6$ && differs:mvm --batch 4
mvm | --dac-bits    | acts    | mvm --dac-bits 4 --batch 4                 | out:^dac_bits: 4$ && differs:mvm --batch 4
mvm | --adc-range   | acts    | mvm --adc-bits 6 --adc-range p50 --batch 64 | out:^adc_range: percentile$ && out:^adc_range_value: 50$ && differs:mvm --adc-bits 6 --batch 64
mvm | --adc-range   | rejects | mvm --adc-range p99                        | msg:ideal ADC (adc_bits = 0)
mvm | --adc-range   | rejects | mvm --adc-bits 0 --adc-range p99           | msg:--adc-range p99: no effect
# A later option that makes a value moot on purpose is no error: the file's ADC range goes with --adc-bits 0.
mvm | --adc-bits    | acts    | mvm --config $ROOT/configs/devices/reram.cfg --adc-bits 0 --batch 4 | out:^adc_bits: 0$ && out:^adc_saturation: 0$
# t reads a drifting device later; on one that does not drift it is recorded and changes nothing (--help says so).
mvm | --t           | acts    | mvm --device pcm --t 3600 --batch 4        | out:^t: 3600$ && differs:mvm --device pcm --batch 4
mvm | --t           | acts    | mvm --t 3600 --batch 4                     | out:^t: 3600$ && out:^snr_db: inf$
mvm | --drift-comp  | acts    | mvm --device pcm --t 86400 --drift-comp --batch 4 | out:^drift_comp: 1$ && out:^drift_scale: 1\.[0-9]*[1-9]
mvm | --noise       | acts    | mvm --noise add --sigma 0.1 --batch 4      | out:^noise: add$ && differs:mvm --batch 4
mvm | --noise       | rejects | mvm --noise mult                           | msg:--noise mult: needs --sigma > 0
mvm | --sigma       | acts    | mvm --noise mult --sigma 0.5 --batch 4     | out:^snr_db_model: 6\.02
mvm | --sigma       | rejects | mvm --sigma 0.5                            | msg:noise = none
mvm | --sigma       | acts    | mvm --config $ROOT/configs/devices/mult_noise.cfg --sigma 0 --batch 4 | out:^noise: mult$ && out:^sigma: 0$ && out:^snr_db_model: inf$
mvm | --noise       | rejects | mvm --sigma 0 --noise mult                 | msg:--noise mult: needs --sigma > 0
mvm | --native      | acts    | mvm --native --batch 4                     | out:^gemm: native$
mvm | --seed        | acts    | mvm --seed 7 --batch 4                     | out:^seed: 7$ && differs:mvm --batch 4
mvm | --threads     | acts    | mvm --threads 1 --batch 4 --output $T/mvm-threads.h5 | attr:$T/mvm-threads.h5:threads:\(0\): 1$
mvm | --quiet       | acts    | mvm --quiet --batch 4 --output $T/mvm-quiet.h5 | noerr && file:$T/mvm-quiet.h5
mvm | --config      | acts    | mvm --config $ROOT/configs/devices/pcm_1h.cfg --batch 4 | out:^device: pcm$ && out:^t: 3600$
mvm | --set         | acts    | mvm --set adc_bits=5 --batch 4             | out:^adc_bits: 5$
mvm | --set         | rejects | mvm --set dac_signed=false                 | msg:ideal DAC (dac_bits = 0)
mvm | --set         | rejects | mvm --set energy.adc_fom=1e-14 --batch 4   | msg:not used by xbar mvm: a price
mvm | --help        | acts    | mvm --help                                 | out:^usage: xbar mvm
# ---- xbar devices -----------------------------------------------------------------------
devices | --config  | acts    | devices --config $ROOT/configs/devices/pcm_1h.cfg | out:^pcm: && out:^name .* value
devices | --set     | acts    | devices pcm --set g_max=30                 | out:^g_max +uS +25 +30 
devices | --set     | rejects | devices pcm --set adc_bits=4               | msg:not used by xbar devices
devices | --set     | rejects | devices pcm --set energy.t_read=1e-8       | msg:not used by xbar devices: a price
devices | --seed    | rejects | devices --seed 3                           | msg:not used by xbar devices
devices | --threads | rejects | devices --threads 1                        | msg:not used by xbar devices
devices | --quiet   | rejects | devices --quiet                            | msg:not used by xbar devices
devices | --help    | acts    | devices --help                             | out:^usage: xbar devices
# ---- xbar info --------------------------------------------------------------------------
info | --show-config | acts   | info $T/syn.h5 --show-config               | out:^config \(/config\) && differs:info $T/syn.h5
info | --datasets  | acts     | info $T/syn.h5 --datasets                  | out:^/sweep/accuracy: float64 \[.*\]; units 1; test accuracy && differs:info $T/syn.h5
info | --csv       | acts     | info $T/syn.h5 --csv                       | out:^sweep.sigma_train \[1\],sweep.sigma_test \[1\],repeat,accuracy && differs:info $T/syn.h5
info | --csv       | rejects  | info $T/model.h5 --csv                     | msg:not a sweep or study result
info | --json      | acts     | info $T/syn.h5 --json                      | out:rows.: && out:provenance.: && differs:info $T/syn.h5 --csv
info | --json      | rejects  | info $T/syn.h5 --json --show-config        | msg:which writes only the export
info | --seed      | rejects  | info $T/syn.h5 --seed 3                    | msg:not used by xbar info
info | --threads   | rejects  | info $T/syn.h5 --threads 1                 | msg:not used by xbar info
info | --quiet     | rejects  | info $T/syn.h5 --quiet                     | msg:not used by xbar info
info | --config    | rejects  | info $T/syn.h5 --config $ROOT/configs/devices/pcm_1h.cfg | msg:not used by xbar info
info | --set       | rejects  | info $T/syn.h5 --set adc_bits=4            | msg:not used by xbar info
info | --help      | acts     | info --help                                | out:^usage: xbar info
# ---- xbar plot --------------------------------------------------------------------------
plot | --output    | acts     | plot $T/snr0.h5 --output $T/figs         | file:$T/figs/snr0_heatmap.svg && err:skipped
plot | --gnuplot   | acts     | plot $T/syn.h5 --gnuplot $T/gnuplot --output $T/figs2 | file:$T/gnuplot.ran && file:$T/figs2/syn_heatmap.png && file:$T/figs2/syn_acc_vs_energy.png && file:$T/figs2/syn_acc_vs_latency.svg
plot | --quiet     | acts     | plot $T/snr0.h5 --quiet --output $T/figs3 | noerr && file:$T/figs3/snr0_heatmap.svg
plot | --seed      | rejects  | plot $T/syn.h5 --seed 3                    | msg:not used by xbar plot
plot | --threads   | rejects  | plot $T/syn.h5 --threads 1                 | msg:not used by xbar plot
plot | --config    | rejects  | plot $T/syn.h5 --config $ROOT/configs/devices/pcm_1h.cfg | msg:not used by xbar plot
plot | --set       | rejects  | plot $T/syn.h5 --set adc_bits=4            | msg:not used by xbar plot
plot | --help      | acts     | plot --help                                | out:^usage: xbar plot
plot | --x         | acts     | plot $T/syn.h5 --x sweep.sigma_train --output $T/figs4 | file:$T/figs4/syn_study_acc_vs_axis.png && out:syn_study_heatmap.svg
plot | --x         | rejects  | plot $T/syn.h5 --x xbar.adc_bits --output $T/figs5 | msg:--x xbar.adc_bits: no such axis; expected one of sweep.sigma_train, sweep.sigma_test && nofile:$T/figs5
plot | --curves    | acts     | plot $T/syn.h5 $T/devmodel.h5 --x sweep.sigma_train --output $T/figs6 | file:$T/figs6/syn_files_acc_vs_axis.svg
plot | --curves    | rejects  | plot $T/syn.h5 $T/devmodel.h5 --curves sweep.sigma_train --output $T/figs5 | msg:--curves sweep.sigma_train: one file only && nofile:$T/figs5
plot | --curves    | acts     | plot $T/syn.h5 --curves sweep.sigma_train --output $T/figs7 | file:$T/figs7/syn_study_acc_vs_snr.png
plot | --at        | acts     | plot $T/syn.h5 --x sweep.sigma_train --at sweep.sigma_test=0.5 --output $T/figs8 | file:$T/figs8/syn_study_acc_vs_axis.png
plot | --at        | rejects  | plot $T/syn.h5 --at sweep.sigma_train=0.7 --output $T/figs5 | msg:0.7 is not on the axis sweep.sigma_train; expected one of 0, 0.5 && nofile:$T/figs5
plot | --heatmap   | acts     | plot $T/syn.h5 --heatmap sweep.sigma_test,sweep.sigma_train --output $T/figs9 | file:$T/figs9/syn_study_heatmap.png
plot | --heatmap   | rejects  | plot $T/syn.h5 --heatmap sweep.t,sweep.sigma_train --output $T/figs5 | msg:--heatmap sweep.t: no such axis && nofile:$T/figs5
plot | --votes     | acts     | plot $T/syn.h5 --votes 3 --output $T/figs10 | file:$T/figs10/syn_study_acc_vs_axis.svg
plot | --votes     | rejects  | plot $T/syn.h5 --votes 4 --output $T/figs5 | msg:--votes 4: the file has accuracy_vote for K = 1 .. 3 && nofile:$T/figs5
# ---- xbar sweep -------------------------------------------------------------------------
sweep | --resume   | acts     | sweep $T/syn.cfg --resume --set sweep.output=$T/sweep-resume.h5 | attr:$T/sweep-resume.h5:command_line:--resume
sweep | --resume   | rejects  | sweep $T/syn.cfg --resume --set sweep.output=$T/sweep-resume.h5 --set train.epochs=1 | msg:different configuration && keeps:$T/sweep-resume.h5
sweep | --force    | acts     | sweep $T/syn.cfg --force --seed 5 --set sweep.output=$T/sweep-force.h5 | attr:$T/sweep-force.h5:seed:\(0\): 5$ && err:wrote
sweep | --force    | rejects  | sweep $T/syn.cfg --set sweep.output=$T/sweep-again.h5 | msg:sweep-again.h5 exists; use --resume to continue it or --force to replace it && keeps:$T/sweep-again.h5
sweep | --force    | rejects  | sweep $T/syn.cfg --force --resume          | msg:contradicts --resume
sweep | --native   | acts     | sweep $T/syn.cfg --native --set sweep.output=$T/sweep-native.h5 | attr:$T/sweep-native.h5:portable:\(0\): 0$
sweep | --seed     | acts     | sweep $T/syn.cfg --seed 4 --set sweep.output=$T/sweep-seed.h5 | attr:$T/sweep-seed.h5:seed:\(0\): 4$
sweep | --threads  | acts     | sweep $T/syn.cfg --threads 1 --set sweep.output=$T/sweep-threads.h5 | attr:$T/sweep-threads.h5:threads:\(0\): 1$
sweep | --quiet    | acts     | sweep $T/syn.cfg --quiet --set sweep.output=$T/sweep-quiet.h5 | noerr && file:$T/sweep-quiet.h5
sweep | --config   | acts     | sweep $T/dev.cfg --quiet --config $ROOT/configs/devices/reram.cfg | info:$T/dev.h5:type = .reram.
sweep | --config   | rejects  | sweep $T/syn.cfg --config $ROOT/configs/devices/pcm_1h.cfg --set sweep.output=$T/sweep-config.h5 | msg:this experiment has neither && nofile:$T/sweep-config.h5
sweep | --set      | acts     | sweep $T/syn.cfg --set sweep.votes=2 --set sweep.output=$T/sweep-set.h5 | info:$T/sweep-set.h5:votes K = 1\.\.2
sweep | --set      | rejects  | sweep $T/syn.cfg --set sweep.t=1           | msg:read times belong to sweep.test
sweep | --set      | rejects  | sweep $T/dev.cfg --set sweep.sigma_test=0.5 | msg:sigma_test is not used
sweep | --set      | rejects  | sweep $T/dev.cfg --set xbar.noise=add      | msg:needs --sigma > 0
sweep | --help     | acts     | sweep --help                               | out:^usage: xbar sweep
# ---- xbar report (one HTML page) ----------------------------------------------------------
report | --output  | acts     | report $T/syn.h5 --output $T/page.html      | file:$T/page.html && err:wrote
report | --gnuplot | acts     | report $T/syn.h5 --gnuplot $T/gnuplot_report --output $T/page2.html | file:$T/gnuplot_report.ran && file:$T/page2.html
report | --quiet   | acts     | report $T/syn.h5 --quiet --output $T/page3.html | noerr && file:$T/page3.html
report | --seed    | rejects  | report $T/syn.h5 --seed 3                    | msg:not used by xbar report
report | --threads | rejects  | report $T/syn.h5 --threads 1                 | msg:not used by xbar report
report | --config  | rejects  | report $T/syn.h5 --config $ROOT/configs/devices/pcm_1h.cfg | msg:not used by xbar report
report | --set     | rejects  | report $T/syn.h5 --set adc_bits=4            | msg:not used by xbar report
report | --help    | acts     | report --help                                | out:^usage: xbar report

# ---- xbar run (the sweep, then plots and tables) ---------------------------------------
run | --resume     | acts     | run $T/syn.cfg --resume --set sweep.output=$T/run-resume.h5 | out:^done +4 of 4 && file:$T/run-resume_heatmap.svg
run | --resume     | rejects  | run $T/syn.cfg --resume --set sweep.output=$T/run-resume.h5 --set sweep.votes=2 | msg:different configuration && keeps:$T/run-resume.h5
run | --force      | acts     | run $T/syn.cfg --force --seed 6 --set sweep.output=$T/run-force.h5 | out:^seed: 6$
run | --force      | rejects  | run $T/syn.cfg --set sweep.output=$T/run-again.h5 | msg:run-again.h5 exists; use --resume to continue it or --force to replace it && keeps:$T/run-again.h5
run | --native     | acts     | run $T/syn.cfg --native --set sweep.output=$T/run-native.h5 | out:^portable: 0$
run | --seed       | acts     | run $T/syn.cfg --seed 3 --set sweep.output=$T/run-seed.h5 | out:^seed: 3$
run | --threads    | acts     | run $T/syn.cfg --threads 1 --set sweep.output=$T/run-threads.h5 | out:^threads: 1$
run | --quiet      | acts     | run $T/syn.cfg --quiet --set sweep.output=$T/run-quiet.h5 | noerr && out:^done +4 of 4
run | --config     | acts     | run $T/dev.cfg --quiet --force --config $ROOT/configs/devices/reram.cfg | info:$T/dev.h5:type = .reram. && out:^grid
run | --config     | rejects  | run $T/syn.cfg --config $ROOT/configs/devices/reram.cfg | msg:this experiment has neither
run | --set        | acts     | run $T/syn.cfg --set sweep.repeats=3 --set sweep.output=$T/run-set.h5 | out:mean of 3 repeats
run | --set        | rejects  | run $T/syn.cfg --set sweep.t=1             | msg:read times belong to sweep.test
run | --help       | acts     | run --help                                 | out:^usage: xbar run
# ---- xbar train -------------------------------------------------------------------------
train | --resume   | acts     | train $T/syn.cfg --resume --output $T/train-resume.h5 | attr:$T/train-resume.h5:command_line:--resume
train | --resume   | rejects  | train $T/syn.cfg --resume --output $T/train-resume.h5 --sigma 0.7 | msg:different configuration && keeps:$T/train-resume.h5
train | --force    | acts     | train $T/syn.cfg --force --seed 8 --output $T/train-force.h5 | attr:$T/train-force.h5:seed:\(0\): 8$
train | --force    | rejects  | train $T/syn.cfg --output $T/train-again.h5 | msg:train-again.h5 exists; use --resume to continue it or --force to replace it && keeps:$T/train-again.h5
train | --sigma    | acts     | train $T/syn.cfg --sigma 0.25 --output $T/train-sigma.h5 | dset:$T/train-sigma.h5:/config:sigma_train = \[0\.25\]
train | --sigma    | rejects  | train $T/syn.cfg --sigma 0.25 --set sweep.sigma_train=0.5 --output $T/train-sigma2.h5 | msg:--sigma replaces it && nofile:$T/train-sigma2.h5
train | --output   | acts     | train $T/syn.cfg --output $T/train-out.h5  | file:$T/train-out.h5 && err:wrote
train | --output   | rejects  | train $T/syn.cfg                           | msg:-o MODEL.h5
train | --native   | acts     | train $T/syn.cfg --native --output $T/train-native.h5 | attr:$T/train-native.h5:portable:\(0\): 0$
train | --seed     | acts     | train $T/syn.cfg --seed 2 --output $T/train-seed.h5 | attr:$T/train-seed.h5:seed:\(0\): 2$
train | --threads  | acts     | train $T/syn.cfg --threads 1 --output $T/train-threads.h5 | attr:$T/train-threads.h5:threads:\(0\): 1$
train | --quiet    | acts     | train $T/syn.cfg --quiet --output $T/train-quiet.h5 | noerr && file:$T/train-quiet.h5
train | --config   | acts     | train $T/hwa.cfg --quiet --config $ROOT/configs/devices/reram.cfg --output $T/train-config.h5 | dset:$T/train-config.h5:/config:type = .reram.
train | --config   | rejects  | train $T/syn.cfg --config $ROOT/configs/devices/reram.cfg --output $T/train-config2.h5 | msg:train.hw_aware = true only && nofile:$T/train-config2.h5
train | --set      | acts     | train $T/syn.cfg --set train.epochs=1 --output $T/train-set.h5 | dset:$T/train-set.h5:/config:epochs = 1;
train | --set      | rejects  | train $T/syn.cfg --set sweep.sigma_test=0.5 --output $T/train-set2.h5 | msg:xbar train evaluates nothing
train | --set      | rejects  | train $T/syn.cfg --set sweep.output=$T/x.h5 --output $T/train-set3.h5 | msg:-o MODEL.h5 names the file
train | --help     | acts     | train --help                               | out:^usage: xbar train
# ---- xbar eval --------------------------------------------------------------------------
eval | --model     | acts     | eval $T/syn.cfg --model $T/model.h5        | out:^model: .*/model.h5$ && out:^accuracy_vote_k3: 0\.[0-9]
eval | --model     | rejects  | eval $T/syn.cfg                            | msg:--model MODEL.h5
eval | --point     | acts     | eval $T/syn.cfg --model $T/syn.h5 --point 1 | out:^point: 1$ && differs:eval $T/syn.cfg --model $T/syn.h5 --point 0
eval | --point     | rejects  | eval $T/syn.cfg --model $T/model.h5 --point 1 | msg:--point 1: $T/model.h5: no dataset /models/1/params
eval | --output    | acts     | eval $T/syn.cfg --model $T/model.h5 --output $T/eval-new.h5 | file:$T/eval-new.h5 && dset:$T/eval-new.h5:/eval/sigma_test:\(0\): 0,
eval | --output    | rejects  | eval $T/syn.cfg --model $T/model.h5 --output $T/eval-again.h5 | msg:eval-again.h5 exists; use --force to replace it && keeps:$T/eval-again.h5
eval | --force     | acts     | eval $T/syn.cfg --model $T/model.h5 --seed 9 --force --output $T/eval-again.h5 | attr:$T/eval-again.h5:seed:\(0\): 9$
eval | --force     | rejects  | eval $T/syn.cfg --model $T/model.h5 --force | msg:no -o FILE.h5
eval | --native    | acts     | eval $T/syn.cfg --model $T/model.h5 --native | out:^gemm: native$
eval | --seed      | acts     | eval $T/syn.cfg --model $T/model.h5 --seed 5 | differs:eval $T/syn.cfg --model $T/model.h5
# Threads change the speed only: the output is bit-identical to one thread's.
eval | --threads   | acts     | eval $T/syn.cfg --model $T/model.h5 --threads 2 | same:eval $T/syn.cfg --model $T/model.h5 --threads 1
eval | --set       | acts     | eval $T/syn.cfg --model $T/model.h5 --set sweep.votes=2 | out:^accuracy_vote_k2:
eval | --set       | rejects  | eval $T/syn.cfg --model $T/model.h5 --set train.epochs=3 | msg:xbar eval trains nothing
# A device given here evaluates on chips (issue 10): read time xbar.t, or sweep.t.
eval | --set       | acts     | eval $T/syn.cfg --model $T/model.h5 --set device.type=pcm --set sweep.t=1,60 | out:^device: pcm$ && out:^t: 60$ && out:^snr_db_measured: [0-9]
eval | --set       | acts     | eval $T/dev.cfg --model $T/devmodel.h5 --set xbar.t=5 | out:^t: 5$ && differs:eval $T/dev.cfg --model $T/devmodel.h5
eval | --set       | rejects  | eval $T/dev.cfg --model $T/devmodel.h5 --set xbar.t=5 --set sweep.t=1 | msg:both give the read times
eval | --set       | rejects  | eval $T/syn.cfg --model $T/model.h5 --set sweep.t=1 | msg:read times belong to a device
eval | --set       | rejects  | eval $T/dev.cfg --model $T/devmodel.h5 --set sweep.sigma_test=0.5 | msg:on a device the test points are the read times
eval | --set       | rejects  | eval $T/dev.cfg --model $T/devmodel.h5 --set sweep.noise=add | msg:on a device the noise layers inject nothing
eval | --set       | rejects  | eval $T/syn.cfg --model $T/model.h5 --set data.validation=0.2 | msg:this evaluation has no device
eval | --set       | rejects  | eval $T/syn.cfg --model $T/model.h5 --set sweep.test=noise --set device.type=pcm | msg:a device given to xbar eval evaluates on chips
eval | --set       | rejects  | eval $T/dev.cfg --model $T/devmodel.h5 --set xbar.sigma=0.5 | msg:no effect without abstract noise
eval | --config    | acts     | eval $T/syn.cfg --model $T/model.h5 --config $ROOT/configs/devices/pcm_1h.cfg | out:^device: pcm$ && out:^t: 3600$ && out:^layer_snr_db: [0-9.]+ [0-9.]+$
eval | --config    | rejects  | eval $T/dev.cfg --model $T/devmodel.h5 --config $ROOT/configs/devices/pcm_1h.cfg --set sweep.t=1 | msg:both give the read times
eval | --quiet     | rejects  | eval $T/syn.cfg --model $T/model.h5 --quiet | msg:not used by xbar eval
eval | --help      | acts     | eval --help                                | out:^usage: xbar eval
# ---- xbar snr-req (one thread, K = 1 where the votes do not matter: seconds) ------------
snr-req | --model   | acts    | snr-req $T/syn.cfg --model $T/model.h5 --threads 1 | out:^model: .*/model.h5$ && out:^ +0 +3 +[0-9]
snr-req | --model   | rejects | snr-req $T/syn.cfg --threads 1             | msg:--model MODEL.h5
snr-req | --point   | acts    | snr-req $T/syn.cfg --model $T/syn.h5 --point 1 --set sweep.votes=1 --threads 1 | out:^ +0\.5 +1 +[0-9] && differs:snr-req $T/syn.cfg --model $T/syn.h5 --point 0 --set sweep.votes=1 --threads 1
snr-req | --point   | rejects | snr-req $T/syn.cfg --model $T/model.h5 --point 1 | msg:--point 1: $T/model.h5 holds models 0 .. 0
snr-req | --loss    | acts    | snr-req $T/syn.cfg --model $T/model.h5 --loss 5 --set sweep.votes=1 --threads 1 | out:^loss: 5 && differs:snr-req $T/syn.cfg --model $T/model.h5 --set sweep.votes=1 --threads 1
snr-req | --loss    | rejects | snr-req $T/syn.cfg --model $T/model.h5 --loss 0 | msg:expected points in (0, 100)
snr-req | --votes   | acts    | snr-req $T/syn.cfg --model $T/model.h5 --votes 2,5 --threads 1 | out:^ +0 +2 +[0-9] && out:^ +0 +5 +[0-9]
snr-req | --votes   | rejects | snr-req $T/syn.cfg --model $T/model.h5 --votes 5 --set sweep.votes=3 | msg:--votes names the vote counts
snr-req | --votes   | rejects | snr-req $T/syn.cfg --model $T/model.h5 --votes 200 | msg:do not fit sweep.eval_rows = 96
snr-req | --output  | acts    | snr-req $T/syn.cfg --model $T/model.h5 --set sweep.votes=1 --threads 1 --output $T/req.h5 | file:$T/req.h5 && err:^xbar snr-req: wrote
snr-req | --output  | rejects | snr-req $T/syn.cfg --model $T/model.h5 --output $T/req-again.h5 | msg:req-again.h5 exists; use --force to replace it && keeps:$T/req-again.h5
snr-req | --force   | acts    | snr-req $T/syn.cfg --model $T/model.h5 --set sweep.votes=1 --threads 1 --seed 4 --force --output $T/req-again.h5 | attr:$T/req-again.h5:seed:\(0\): 4$
snr-req | --force   | rejects | snr-req $T/syn.cfg --model $T/model.h5 --force | msg:no -o FILE.h5
snr-req | --native  | acts    | snr-req $T/syn.cfg --model $T/model.h5 --set sweep.votes=1 --threads 1 --native | out:^gemm: native$
snr-req | --seed    | acts    | snr-req $T/syn.cfg --model $T/model.h5 --set sweep.votes=1 --threads 1 --seed 5 | differs:snr-req $T/syn.cfg --model $T/model.h5 --set sweep.votes=1 --threads 1
# Threads change the speed only: the output is bit-identical to one thread's.
snr-req | --threads | acts    | snr-req $T/syn.cfg --model $T/model.h5 --set sweep.votes=1 --threads 2 | same:snr-req $T/syn.cfg --model $T/model.h5 --set sweep.votes=1 --threads 1
snr-req | --quiet   | acts    | snr-req $T/syn.cfg --model $T/model.h5 --set sweep.votes=1 --threads 1 --quiet | noerr && out:^ +0 +1 +[0-9]
snr-req | --set     | acts    | snr-req $T/syn.cfg --model $T/model.h5 --set sweep.votes=2 --threads 1 | out:^ +0 +2 +[0-9]
snr-req | --set     | rejects | snr-req $T/syn.cfg --model $T/model.h5 --set sweep.sigma_test=0.5 | msg:chooses the sigmas it evaluates
snr-req | --set     | rejects | snr-req $T/syn.cfg --model $T/model.h5 --set sweep.repeats=1 | msg:needs at least 2 repeats
snr-req | --config  | rejects | snr-req $T/syn.cfg --model $T/model.h5 --config $ROOT/configs/devices/pcm_1h.cfg | msg:not of a device
snr-req | --help    | acts    | snr-req --help                             | out:^usage: xbar snr-req
# ---- xbar energy ------------------------------------------------------------------------
energy | --votes   | acts     | energy $T/syn.cfg --votes 4                | out:^votes: 4$ && differs:energy $T/syn.cfg
energy | --votes   | rejects  | energy $T/syn.cfg --votes 0                | msg:--votes 0: expected an integer
energy | --config  | acts     | energy $T/syn.cfg --config $ROOT/configs/devices/reram.cfg | out:^device: reram$ && differs:energy $T/syn.cfg
energy | --set     | acts     | energy $T/syn.cfg --set energy.adc_fom=1e-14 | out:^energy_per_inference_j: && differs:energy $T/syn.cfg
energy | --set     | rejects  | energy $T/syn.cfg --set train.lr=0.1       | msg:not used by xbar energy
energy | --set     | rejects  | energy $T/syn.cfg --set energy.adc_bits=4  | msg:unknown key 'energy.adc_bits'
energy | --seed    | rejects  | energy $T/syn.cfg --seed 3                 | msg:not used by xbar energy
energy | --threads | rejects  | energy $T/syn.cfg --threads 1              | msg:not used by xbar energy
energy | --quiet   | rejects  | energy $T/syn.cfg --quiet                  | msg:not used by xbar energy
energy | --help    | acts     | energy --help                              | out:^usage: xbar energy && out:energy.adc_fom=
# ---- xbar attack ------------------------------------------------------------------------
attack | --model   | acts     | attack $T/att.cfg --model $T/model.h5      | out:^model: .*/model.h5$ && out:^eps +Ori\. +FGSM
attack | --model   | rejects  | attack $T/att.cfg                          | msg:--model MODEL.h5
attack | --point   | acts     | attack $T/att.cfg --model $T/syn.h5 --point 1 | out:^point: 1$ && differs:attack $T/att.cfg --model $T/syn.h5 --point 0
attack | --point   | rejects  | attack $T/att.cfg --model $T/model.h5 --point 1 | msg:--point 1: $T/model.h5: no dataset /models/1/params
attack | --output  | acts     | attack $T/att.cfg --model $T/model.h5 --output $T/att-new.h5 | file:$T/att-new.h5 && err:^xbar attack: wrote
attack | --output  | rejects  | attack $T/att.cfg --model $T/model.h5 --output $T/att-again.h5 | msg:att-again.h5 exists; use --force to replace it && keeps:$T/att-again.h5
attack | --force   | acts     | attack $T/att.cfg --model $T/model.h5 --seed 9 --force --output $T/att-force.h5 | attr:$T/att-force.h5:seed:\(0\): 9$
attack | --force   | rejects  | attack $T/att.cfg --model $T/model.h5 --force | msg:no -o FILE.h5
attack | --check   | acts     | attack $T/att.cfg --model $T/model.h5 --check --set attack.nattack_pop=10 --set attack.nattack_iters=5 | out:^one_step +(pass|FAIL)  FGSM && out:^random +(pass|FAIL)  random
attack | --check   | rejects  | attack $T/att.cfg --model $T/model.h5 --check -o $T/att-check.h5 | msg:the checklist (--check) writes no file
attack | --native  | acts     | attack $T/att.cfg --model $T/model.h5 --native | out:^gemm: native$
attack | --seed    | acts     | attack $T/att.cfg --model $T/model.h5 --seed 5 --set attack.attacks=pgd | differs:attack $T/att.cfg --model $T/model.h5 --set attack.attacks=pgd
attack | --threads | acts     | attack $T/att.cfg --model $T/model.h5 --threads 2 | same:attack $T/att.cfg --model $T/model.h5 --threads 1
attack | --quiet   | acts     | attack $T/att.cfg --model $T/model.h5 --quiet | noerr && out:^eps
attack | --set     | acts     | attack $T/att.cfg --model $T/model.h5 --set attack.steps=2 | out:^steps: 2$
attack | --set     | rejects  | attack $T/att.cfg --model $T/model.h5 --set sweep.sigma_test=0.5 | msg:attack.noise, attack.sigma
attack | --set     | rejects  | attack $T/att.cfg --model $T/model.h5 --set train.epochs=3 | msg:xbar attack trains nothing
attack | --config  | acts     | attack $T/att.cfg --model $T/model.h5 --config $ROOT/configs/devices/pcm_1h.cfg --set attack.attacks=fgsm | out:^device: pcm$ && out:^t: 3600$
attack | --config  | rejects  | attack $T/att.cfg --model $T/model.h5 --config $ROOT/configs/devices/pcm_1h.cfg --set sweep.test=noise | msg:a device given to xbar attack attacks chips
attack | --help    | acts     | attack --help                              | out:^usage: xbar attack
attack | --source  | acts     | attack $T/att.cfg --model $T/model.h5 --source $T/model.h5 | out:^source: .*/model.h5$ && out:^eps +attack +source +noiseless +sigma_test
attack | --source  | rejects  | attack $T/att.cfg --model $T/model.h5 --source $T/nosuch.h5 | msg:nosuch.h5
attack | --source-config | acts | attack $T/att.cfg --model $T/model.h5 --source $T/model.h5 --source-config $T/syn.cfg | out:^source_config: .*/syn.cfg$
attack | --source-config | rejects | attack $T/att.cfg --model $T/model.h5 --source-config $T/syn.cfg | msg:not used without --source
EOF

# ---- the table covers the program ---------------------------------------------------------
# Options listed in a usage text (the options and common options sections).
listed() {
    "$XBAR" "$1" --help | awk '/^(options|common options):$/ { on = 1; next } /^$/ { on = 0 }
        on { for (i = 1; i <= NF; i++) if ($i ~ /^--[a-z]/) { print $i; break } }'
}
subcommands=$("$XBAR" --help | awk '/^subcommands:$/ { on = 1; next } /^$/ { on = 0 } on { print $1 }')
[ -n "$subcommands" ] || bad "no subcommands found in xbar --help"
: >"$T/common"
for cmd in $subcommands; do
    "$XBAR" "$cmd" --help | awk '/^common options:$/ { on = 1; next } /^$/ { on = 0 }
        on { for (i = 1; i <= NF; i++) if ($i ~ /^--[a-z]/) { print $i; break } }' >>"$T/common"
done
commons=$(sort -u "$T/common")
for cmd in $subcommands; do
    own=$(listed "$cmd")
    for opt in $own; do
        grep -qx -- "$cmd $opt acts" "$T/rows" || bad "$cmd $opt: listed by 'xbar $cmd --help' but no 'acts' row"
    done
    for opt in $commons; do
        echo "$own" | grep -qx -- "$opt" && continue
        grep -qx -- "$cmd $opt rejects" "$T/rows" ||
            bad "$cmd $opt: left out of 'xbar $cmd --help' but no 'rejects' row"
    done
    # A row for an option the subcommand does not have is stale.
    for opt in $(awk -v c="$cmd" '$1 == c { print $2 }' "$T/rows" | sort -u); do
        echo "$own $commons" | tr ' ' '\n' | grep -qx -- "$opt" ||
            bad "$cmd $opt: a row for an option xbar $cmd does not have"
    done
done
rows_cmds=$(awk '{ print $1 }' "$T/rows" | sort -u)
for cmd in $rows_cmds; do
    echo "$subcommands" | grep -qx -- "$cmd" || bad "rows for '$cmd', which is not a subcommand"
done
[ "$fail" -eq 0 ] && ok "every option of every subcommand has its rows ($(wc -l <"$T/rows") rows)"

echo "cli_options: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

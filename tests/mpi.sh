#!/bin/sh
# tests/mpi.sh — xbar sweep over MPI ranks (issue 13 item 1; sim/README.md,
# "Sweeps over MPI"), end to end; run by tests/cli.sh:
#
#   XBAR=build/xbar H5SAME=build/tests/tools/h5same sh tests/mpi.sh
#
# A study with a training axis (train.lr, two values, times two sigma_train)
# and evaluation axes (xbar.adc_bits and the read time t) on PCM chips:
#   - run by `mpirun -np 2` and `-np 3` (--oversubscribe, one thread a rank),
#     its file is the one-process run's, every dataset and attribute to the
#     bit (tests/tools/h5same), but the root attributes that say how it was
#     made (time, threads, command line);
#   - a 2-rank run whose worker rank is killed with SIGKILL once the file
#     exists (mpirun then ends the job), resumed by 2 ranks and killed again,
#     this time rank 0 (the writer) after a point is done, then resumed by 3
#     ranks: the same bits as the uninterrupted one-process run, and no
#     temporary file left;
#   - a HIRE sweep (its crafted noise carried from epoch to epoch) over 2
#     ranks is the one-process file;
#   - bad input: other subcommands under mpirun, a sweep whose output exists
#     (only rank 0 checks it: the others must stop, not wait), a bad --set
#     every rank reads alike (said once, by rank 0), and a build without MPI
#     launched as 2 ranks, each exit 2 with the reason.
# Skipped, with a line saying so, only when mpirun is absent (Debian
# openmpi-bin; make deps installs it). Nothing depends on timing: a kill that
# lands after the run ended is reported and the resume check still runs.
# The last line is "mpi: N passed, M failed"; exit 1 if any failed.
set -u

XBAR=${XBAR:-build/xbar}
root=$(cd "$(dirname "$0")/.." && pwd)
H5SAME=${H5SAME:-$root/build/tests/tools/h5same}
if ! command -v mpirun >/dev/null 2>&1; then
    echo "mpi: skipped: no mpirun (Debian openmpi-bin, installed by make deps)"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xbar-mpi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
OMP_WAIT_POLICY=passive # idle threads sleep: ranks share the cores
export OMP_WAIT_POLICY
# Open MPI's session directories under this run's own folder, not the
# shared /tmp/ompi.HOST.UID: two suites at once on one machine (CI beside a
# hand run) raced there ("mkdir ... File exists" from a worker rank).
OMPI_MCA_orte_tmpdir_base=$tmp
export OMPI_MCA_orte_tmpdir_base

# Open MPI refuses root without being told; 3 ranks on 2 cores need
# --oversubscribe. A hung rank would hang the suite: 300 s is a hundred
# times what any run here takes.
MPIRUN="timeout -k 10 300 mpirun --oversubscribe"
[ "$(id -u)" = 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"

# Each run works in a folder of its own: the config names the output
# relatively, so /config is the same text in every file.
cat >"$tmp/st.cfg" <<EOT
model = { name = "tiny"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "flatten"; }, { type = "dense"; units = 16; }, { type = "noise"; },
             { type = "relu"; }, { type = "dense"; units = 10; }, { type = "noise"; } ); };
data = { set = "synthetic"; validation = 0.1; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 3; };
sweep = { noise = "mult"; sigma_train = [0.0, 0.5]; test = "device"; t = [1.0, 86400.0];
  repeats = 2; votes = 3; eval_rows = 96; output = "st.h5"; };
device = { type = "pcm"; };
xbar = { dac_bits = 8; adc_bits = 8; adc_range = "max"; drift_comp = true; };
study = { axes = ( { key = "xbar.adc_bits"; values = [5, 8]; },
  { key = "train.lr"; values = [0.01, 0.003]; } ); };
EOT

# sweep DIR RANKS ARGS...: xbar sweep of st.cfg in DIR, by mpirun -np RANKS
# (0: one process, 2 threads); leaves rc and $tmp/err.
sweep() {
    dir=$1 ranks=$2
    shift 2
    mkdir -p "$tmp/$dir"
    if [ "$ranks" = 0 ]; then
        (cd "$tmp/$dir" && "$XBAR" sweep ../st.cfg --quiet --threads 2 "$@") >/dev/null 2>"$tmp/err"
    else
        (cd "$tmp/$dir" && $MPIRUN -np "$ranks" "$XBAR" sweep ../st.cfg --quiet --threads 1 "$@") \
            >/dev/null 2>"$tmp/err"
    fi
    rc=$?
}

EXCLUDE="-x created -x threads -x command_line -x blas_threads"
# same NAME A B: the two result files hold the same bits.
same() {
    if "$H5SAME" $EXCLUDE "$2" "$3" >"$tmp/same" 2>&1; then
        ok "$1 ($(cat "$tmp/same"))"
    else
        bad "$1: $(head -c 400 "$tmp/same")"
    fi
}

# A build without MPI refuses to run as N copies of one sweep.
if ! ldd "$XBAR" 2>/dev/null | grep -q libmpi; then
    sweep nompi 2
    if [ "$rc" -eq 2 ] && grep -q "this xbar was built without MPI; rebuild with \`make MPI=1\`" "$tmp/err" &&
        [ ! -e "$tmp/nompi/st.h5" ]; then
        ok "a build without MPI launched as 2 ranks: exit 2, $(grep -m1 'without MPI' "$tmp/err")"
    else
        bad "a build without MPI launched as 2 ranks: exit $rc, $(head -c 400 "$tmp/err")"
    fi
    echo "mpi: $XBAR is built without MPI (make MPI=0, or the sanitizer build): the runs over ranks are not tested"
    echo "mpi: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
fi
[ -x "$H5SAME" ] || { bad "no $H5SAME (make check builds it)"; echo "mpi: $pass passed, $fail failed"; exit 1; }

# ---- 1, 2 and 3 processes: the same file ---------------------------------------
sweep one 0
[ "$rc" -eq 0 ] && ok "one process: the study's 4 training x 4 evaluation points" ||
    bad "one process: exit $rc, $(head -c 300 "$tmp/err")"
sweep two 2
[ "$rc" -eq 0 ] || bad "2 ranks: exit $rc, $(head -c 400 "$tmp/err")"
same "2 ranks: the one-process file, bit for bit" "$tmp/one/st.h5" "$tmp/two/st.h5"
sweep three 3
[ "$rc" -eq 0 ] || bad "3 ranks: exit $rc, $(head -c 400 "$tmp/err")"
same "3 ranks: the one-process file, bit for bit" "$tmp/one/st.h5" "$tmp/three/st.h5"

# A training algorithm that carries state from epoch to epoch (HIRE's crafted
# noise, /models/{point}/train_carry) moves it with every epoch unit: 2 ranks
# give the one-process file.
cat >"$tmp/hire.cfg" <<EOT
model = { name = "tiny-hire"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "encode"; steps = 2; encoding = "direct"; },
    { type = "lif"; units = 32; leak = 0.5; learn_threshold = true; },
    { type = "lif"; units = 10; leak = 0.5; readout = "membrane-sum"; } ); };
data = { set = "synthetic"; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 3;
  algorithm = "hire"; periods = 2; noise_step = 0.02; noise_bound = 0.05; };
sweep = { noise = "add"; sigma_train = [0.0, 0.5, 1.0]; sigma_test = [0.0, 0.5];
  eval_rows = 160; output = "hire.h5"; };
EOT
mkdir -p "$tmp/hire1" "$tmp/hire2"
(cd "$tmp/hire1" && "$XBAR" sweep ../hire.cfg --quiet --threads 2) >/dev/null 2>"$tmp/err" &&
    (cd "$tmp/hire2" && $MPIRUN -np 2 "$XBAR" sweep ../hire.cfg --quiet --threads 1) \
        >/dev/null 2>>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && h5ls "$tmp/hire2/hire.h5/models/2/train_carry" >/dev/null 2>&1 ||
    bad "HIRE over 2 ranks: exit $rc, $(head -c 300 "$tmp/err")"
same "HIRE's carried noise over 2 ranks: the one-process file, bit for bit" \
    "$tmp/hire1/hire.h5" "$tmp/hire2/hire.h5"

# ---- kills and --resume ------------------------------------------------------------
# More epochs, so that a kill lands inside the run.
LONG="--set train.epochs=40"
sweep ref 0 $LONG
[ "$rc" -eq 0 ] || bad "one process, 40 epochs: exit $rc, $(head -c 300 "$tmp/err")"

# rank_pid RANK: the pid of that rank of the sweep running in folder kill:
# the process working there with the rank Open MPI puts in its environment
# (read from /proc, so that no procps is needed).
rank_pid() {
    for d in /proc/[0-9]*; do
        [ "$(readlink "$d/cwd" 2>/dev/null)" = "$tmp/kill" ] || continue
        if tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
            echo "${d#/proc/}"
            return
        fi
    done
}

# killed RANK WHEN RANKS ARGS...: a sweep in folder kill by RANKS ranks,
# rank RANK killed with SIGKILL when WHEN holds (polled every 10 ms):
# "file" once the result file exists, "point" once it holds a done point
# (xbar info's line "study  N axes, P points, D done; ...").
killed() {
    victim=$1 when=$2 ranks=$3
    shift 3
    (cd "$tmp/kill" && exec $MPIRUN -np "$ranks" "$XBAR" sweep ../st.cfg --quiet --threads 1 $LONG "$@") \
        >/dev/null 2>"$tmp/err" &
    job=$!
    pid=
    while kill -0 "$job" 2>/dev/null; do
        [ -n "$pid" ] || pid=$(rank_pid "$victim")
        if [ -n "$pid" ] && [ -e "$tmp/kill/st.h5" ]; then
            [ "$when" = file ] && break
            "$XBAR" info "$tmp/kill/st.h5" 2>/dev/null | grep -Eq '^study .* points, [1-9][0-9]* done' &&
                break
        fi
        sleep 0.01
    done
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    wait "$job"
    rc=$?
    left=$("$XBAR" info "$tmp/kill/st.h5" 2>/dev/null | grep '^study ')
    if [ "$rc" -ne 0 ] && [ -n "$left" ]; then
        ok "rank $victim of $ranks killed with SIGKILL ($when): mpirun ended the job (exit $rc), file: $left"
    elif [ "$rc" -eq 0 ]; then
        echo "note the run ended before its kill (rank $victim, $when)"
    else
        bad "rank $victim of $ranks killed ($when): exit $rc, file: '$left', $(head -c 300 "$tmp/err")"
    fi
}

mkdir -p "$tmp/kill"
killed 1 file 2
killed 0 point 2 --resume
sweep kill 3 $LONG --resume
[ "$rc" -eq 0 ] || bad "3 ranks --resume: exit $rc, $(head -c 400 "$tmp/err")"
same "killed twice (a worker, then the writer) and resumed: the one-process file, bit for bit" \
    "$tmp/ref/st.h5" "$tmp/kill/st.h5"
[ -z "$(ls -A "$tmp/kill" | grep -v '^st\.h5$')" ] && ok "no temporary left after the kills" ||
    bad "left behind: $(ls -A "$tmp/kill")"

# ---- bad input ---------------------------------------------------------------------
# Only rank 0 checks the output: the others must stop with it, not wait.
sweep two 2
if [ "$rc" -eq 2 ] && grep -q "st.h5 exists; use --resume" "$tmp/err" && grep -q "rank 1: stopped because another rank" "$tmp/err"; then
    ok "2 ranks, the output exists: exit 2, $(grep -m1 "exists; use" "$tmp/err")"
else
    bad "2 ranks, the output exists: exit $rc, $(head -c 400 "$tmp/err")"
fi
same "the existing file is untouched" "$tmp/one/st.h5" "$tmp/two/st.h5"
# Bad input every rank reads alike is said once, by rank 0, not once per rank.
(cd "$tmp/two" && $MPIRUN -np 3 "$XBAR" sweep ../st.cfg --set train.lr=100 --set sweep.output=bad.h5 --quiet) \
    >/dev/null 2>"$tmp/err"
rc=$?
n=$(grep -c "train.lr = 100: expected a number in" "$tmp/err")
if [ "$rc" -eq 2 ] && [ "$n" -eq 1 ] && [ ! -e "$tmp/two/bad.h5" ]; then
    ok "3 ranks, a bad --set: exit 2, said once: $(grep -m1 'train.lr = 100' "$tmp/err")"
else
    bad "3 ranks, a bad --set: exit $rc, said $n times, $(head -c 400 "$tmp/err")"
fi
(cd "$tmp/two" && $MPIRUN -np 2 "$XBAR" train ../st.cfg -o m.h5 --quiet) >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "xbar train: started as 2 ranks by mpirun, but only xbar sweep and xbar run spread" "$tmp/err" &&
    [ ! -e "$tmp/two/m.h5" ]; then
    ok "xbar train under mpirun: exit 2, $(grep -m1 'xbar train:' "$tmp/err")"
else
    bad "xbar train under mpirun: exit $rc, $(head -c 400 "$tmp/err")"
fi
# The launcher's environment alone decides it, before MPI starts: one line.
OMPI_COMM_WORLD_SIZE=4 "$XBAR" eval "$tmp/st.cfg" --model "$tmp/one/st.h5" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ] &&
    grep -q "xbar eval: started as 4 ranks by mpirun" "$tmp/err"; then
    ok "xbar eval as 4 ranks: $(cat "$tmp/err")"
else
    bad "xbar eval as 4 ranks: exit $rc, $(head -c 400 "$tmp/err")"
fi

echo "mpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/sh
# tests/faults.sh — output faults, end to end (run by `make check`).
#
#   XBAR=build/xbar sh tests/faults.sh
#
# For each way writing a result can fail — a read-only directory, a missing
# directory, a directory at the output path, a full disk, a write that fails
# midway (the file-size limit) — `xbar mvm -o`, `xbar train -o` and
# `xbar sweep` (and `xbar plot -o` for the read-only directory) must: exit non-zero (2 when the path is refused before the
# work, 1 when the write fails, never a signal), print one error naming the
# path and the cause, leave an older file at that path byte-identical, and
# leave no temporary file behind (ARCHITECTURE.md §9, sim/io/xb_outfile.h).
#
# Root ignores permission bits, so the read-only directory is a tmpfs
# remounted read-only (root), else `chattr +i` (root without mount), else
# mode 555 (not root); the full disk a 64 KiB tmpfs (root), else skipped
# with the reason (the file-size-limit case covers a write failing midway).
# The last line is "faults: N passed, M failed, K skipped"; exit 1 if any
# failed.
set -u

XBAR=${XBAR:-build/xbar}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xbar-faults.XXXXXX")
mounts=""
cleanup() {
    for m in $mounts; do umount "$m" 2>/dev/null; done
    chattr -i "$tmp/ro" 2>/dev/null
    chmod -R u+w "$tmp" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
pass=0
fail=0
skip=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
skipped() { skip=$((skip + 1)); echo "skip $1"; }

# A tiny experiment on the synthetic data set (needs no files).
cat >"$tmp/syn.cfg" <<EOT
model = { name = "tiny"; input = [1, 8, 8]; classes = 10;
  layers = ( { type = "flatten"; }, { type = "dense"; units = 16; }, { type = "noise"; },
             { type = "relu"; }, { type = "dense"; units = 10; }, { type = "noise"; } ); };
data = { set = "synthetic"; validation = 0.1; };
train = { optimizer = "adam"; lr = 0.01; batch = 32; epochs = 2; };
sweep = { noise = "mult"; sigma_train = [0.0, 0.5]; sigma_test = [0.0, 0.5]; repeats = 2;
  votes = 3; eval_rows = 96; output = "$tmp/unused.h5"; };
EOT
mkdir "$tmp/keep"
# The older files: results made before the fault, kept aside to compare.
"$XBAR" mvm --rows 8 --cols 8 --batch 2 --quiet -o "$tmp/keep/mvm.h5" >/dev/null || bad "setup: mvm"
"$XBAR" train "$tmp/syn.cfg" --quiet -o "$tmp/keep/train.h5" || bad "setup: train"
"$XBAR" sweep "$tmp/syn.cfg" --quiet --set sweep.output="$tmp/keep/sweep.h5" || bad "setup: sweep"
# The writes that meet the faults: W alone (256 x 256 float32) outgrows the
# 64 KiB disk and the file-size limit, so mvm fails inside its writes.
MVM="mvm --rows 256 --cols 256 --batch 8 --quiet"

# expect NAME RC CAUSE DIR FILE ARGS...: runs xbar ARGS (which writes
# DIR/FILE); exit RC (2 or 1), one stderr line naming DIR (or DIR/FILE)
# and containing CAUSE, DIR/FILE byte-identical to $tmp/keep/OLD if that
# was there (OLD is FILE's kind: mvm, train, sweep), no .tmp left in DIR.
expect() {
    name=$1 want=$2 cause=$3 dir=$4 file=$5
    shift 5
    "$XBAR" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -qF -- "$dir" "$tmp/err" &&
        grep -qF -- "$cause" "$tmp/err"; then
        ok "$name: $(cat "$tmp/err")"
    elif [ "$rc" -gt 128 ]; then
        bad "$name: killed by signal $((rc - 128)) (HDF5's exit-time clean-up after a failed close: fixed on branch defects); stderr: $(head -c 300 "$tmp/err")"
    else
        bad "$name: exit $rc (want $want), $lines stderr lines, want '$cause' in: $(head -c 400 "$tmp/err")"
    fi
    if [ -e "$tmp/keep/$file" ] && [ -d "$dir" ]; then
        cmp -s "$tmp/keep/$file" "$dir/$file" && ok "$name: the older $file is byte-identical" ||
            bad "$name: the older $file changed"
    fi
    left=$(ls -A "$dir" 2>/dev/null | grep '\.tmp$')
    [ -z "$left" ] && ok "$name: no temporary left" || bad "$name: left $left"
}

# Puts the three older results into DIR.
seed_old() {
    for k in mvm train sweep; do cp "$tmp/keep/$k.h5" "$1/$k.h5"; done
}

# ---- a read-only directory ---------------------------------------------------
mkdir "$tmp/ro"
ro_how=""
if [ "$(id -u)" -eq 0 ]; then
    if mount -t tmpfs -o size=4m tmpfs "$tmp/ro" 2>/dev/null; then
        mounts="$tmp/ro $mounts"
        seed_old "$tmp/ro"
        if mount -o remount,ro "$tmp/ro" 2>/dev/null; then
            ro_how="a tmpfs remounted read-only"
            ro_cause="Read-only file system"
        fi
    fi
    if [ -z "$ro_how" ]; then
        umount "$tmp/ro" 2>/dev/null
        seed_old "$tmp/ro"
        if chattr +i "$tmp/ro" 2>/dev/null; then
            ro_how="chattr +i"
            ro_cause="Operation not permitted"
        fi
    fi
else
    seed_old "$tmp/ro"
    chmod 555 "$tmp/ro"
    ro_how="mode 555"
    ro_cause="Permission denied"
fi
if [ -n "$ro_how" ]; then
    echo "# read-only directory: $ro_how"
    expect "read-only dir: mvm" 2 "$ro_cause" "$tmp/ro" mvm.h5 $MVM --force -o "$tmp/ro/mvm.h5"
    expect "read-only dir: train" 2 "$ro_cause" "$tmp/ro" train.h5 \
        train "$tmp/syn.cfg" --quiet --force -o "$tmp/ro/train.h5"
    expect "read-only dir: sweep" 2 "$ro_cause" "$tmp/ro" sweep.h5 \
        sweep "$tmp/syn.cfg" --quiet --force --set sweep.output="$tmp/ro/sweep.h5"
    expect "read-only dir: plot" 2 "$ro_cause" "$tmp/ro" sweep_heatmap.png \
        plot "$tmp/keep/sweep.h5" -o "$tmp/ro"
else
    skipped "read-only directory: as root neither a tmpfs mount nor chattr +i works here"
fi

# ---- a missing directory -----------------------------------------------------
expect "missing dir: mvm" 2 "No such file or directory" "$tmp/nodir" mvm.h5 \
    $MVM -o "$tmp/nodir/mvm.h5"
expect "missing dir: train" 2 "No such file or directory" "$tmp/nodir" train.h5 \
    train "$tmp/syn.cfg" --quiet -o "$tmp/nodir/train.h5"
expect "missing dir: sweep" 2 "No such file or directory" "$tmp/nodir" sweep.h5 \
    sweep "$tmp/syn.cfg" --quiet --set sweep.output="$tmp/nodir/sweep.h5"
[ ! -e "$tmp/nodir" ] && ok "missing dir: not made" || bad "missing dir: made"

# ---- a directory at the output path ------------------------------------------
mkdir -p "$tmp/isdir/x.h5"
echo keep >"$tmp/isdir/x.h5/inside"
expect "directory at path: mvm" 2 "is a directory" "$tmp/isdir" x.h5 $MVM -o "$tmp/isdir/x.h5"
expect "directory at path: train" 2 "is a directory" "$tmp/isdir" x.h5 \
    train "$tmp/syn.cfg" --quiet -o "$tmp/isdir/x.h5"
expect "directory at path: sweep" 2 "is a directory" "$tmp/isdir" x.h5 \
    sweep "$tmp/syn.cfg" --quiet --set sweep.output="$tmp/isdir/x.h5"
[ -d "$tmp/isdir/x.h5" ] && [ "$(cat "$tmp/isdir/x.h5/inside")" = keep ] &&
    ok "directory at path: untouched" || bad "directory at path: changed"

# ---- a full disk -------------------------------------------------------------
# A 256 KiB tmpfs holding the three older results (about 28 + 32 + 51 KiB)
# and filled but for 12 KiB: the check's probe (an empty file) passes, and
# every new result (28 KiB and more) runs out of room inside its writes.
mkdir "$tmp/full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=256k tmpfs "$tmp/full" 2>/dev/null; then
    mounts="$tmp/full $mounts"
    seed_old "$tmp/full"
    free=$(df -k "$tmp/full" | awk 'NR == 2 { print $4 }')
    dd if=/dev/zero of="$tmp/full/filler" bs=1024 count=$((free - 12)) 2>/dev/null
    expect "full disk: mvm" 1 "No space left on device" "$tmp/full" mvm.h5 $MVM --force -o "$tmp/full/mvm.h5"
    expect "full disk: train" 1 "No space left on device" "$tmp/full" train.h5 \
        train "$tmp/syn.cfg" --quiet --force -o "$tmp/full/train.h5"
    expect "full disk: sweep" 1 "No space left on device" "$tmp/full" sweep.h5 \
        sweep "$tmp/syn.cfg" --quiet --force --set sweep.output="$tmp/full/sweep.h5"
else
    skipped "full disk: needs root to mount a small tmpfs (the file-size limit below fails writes midway instead)"
fi

# ---- a write that fails midway: the file-size limit ----------------------------
# SIGXFSZ ignored, so write(2) returns EFBIG. 100 blocks (50 KiB for dash's
# 512-byte blocks, 100 KiB for bash's 1 KiB) lets the small files be made
# and stops mvm's 256 KiB W inside its write.
mkdir "$tmp/limit"
seed_old "$tmp/limit"
XBAR_SAVED=$XBAR
limited() { (trap '' XFSZ; ulimit -f 100 && "$XBAR_SAVED" "$@"); }
XBAR=limited
expect "file-size limit: mvm" 1 "File too large" "$tmp/limit" mvm.h5 $MVM --force -o "$tmp/limit/mvm.h5"
XBAR=$XBAR_SAVED

echo "faults: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# tests/mutate/mutate.sh — does the suite catch a wrong simulator? (make mutate)
#
#   bash tests/mutate/mutate.sh [--quick] [--check] [--keep] [NAME ...]
#
# Applies each mutant of tests/mutate/catalogue (one small named change to
# one line of noise/, devices/, models/ or sim/) to a scratch copy of the
# tree's files (tracked, and new ones not ignored), builds it and runs the
# suite until a test fails. A mutant
# is "killed" (by the first test that fails, Criterion binary + test name or
# the cli.sh check, or by a timeout), "survived" (every test passed),
# "invalid" (it does not compile) or "equivalent" (the catalogue proves it
# cannot change a result; not built). The exit status is 1 if any mutant
# survived or was invalid, 2 for a catalogue rule that no longer matches its
# line (every rule is checked before anything is built) or a bad argument.
#
#   --quick   only the entries marked `quick` (make mutate-quick, CI)
#   --check   only check that every rule applies; build nothing
#   --keep    keep the scratch tree (its path is printed)
#   NAME ...  only these mutants (also MUTANTS="a b" in the environment)
#
# Environment: MUTATE_TIMEOUT seconds per test binary (default 120; a hang
# is a kill "by timeout"), MUTATE_JOBS for make -j (default 2), TMPDIR.
# A mutant's binary gets the larger of MUTATE_TIMEOUT and 4 times (plus
# 30 s) what the same binary took on the clean tree in this run, so a
# loaded machine stretches the budget instead of turning slowness into
# kills; the clean tree itself runs under a hang guard only (30 times
# MUTATE_TIMEOUT), since its time is what the budgets are measured from.
#
# Speed: the clean build (build/ of this tree, brought up to date in the
# scratch copy once) is restored before each mutant, so only the mutated
# file recompiles and the binaries relink. Tests that failed on the clean
# tree are not counted as kills: a kill is a test that passed there.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
catalogue=$root/tests/mutate/catalogue
quick=0
check_only=0
keep=0
want=" ${MUTANTS:-} "
timeout_s=${MUTATE_TIMEOUT:-120}
jobs=${MUTATE_JOBS:-2}

for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    --check) check_only=1 ;;
    --keep) keep=1 ;;
    -*) echo "mutate: unknown option '$a' (expected --quick, --check, --keep or names)" >&2
        exit 2 ;;
    *) want="$want$a " ;;
    esac
done
[ "$want" = "  " ] && want=" "

die() { echo "mutate: $*" >&2; exit 2; }

# ---- the catalogue -------------------------------------------------------
# Entries start with "mutant NAME"; keys: file, after (optional anchor: a
# text on exactly one line; the rule then applies to the first match at or
# below it), find (a literal text; without an anchor it must occur on
# exactly one line), replace, why, tests (binaries to run first), quick,
# equivalent (the proof). Lines starting with # and blank lines are ignored.
names=() files=() afters=() finds=() repls=() whys=() hints=() quicks=() equivs=() at=()
n=-1
ln=0
while IFS= read -r line || [ -n "$line" ]; do
    ln=$((ln + 1))
    case $line in '' | '#'*) continue ;; esac
    key=${line%%[[:space:]]*}
    val=${line#"$key"}
    val=${val#"${val%%[![:space:]]*}"}
    if [ "$key" = mutant ]; then
        [ -n "$val" ] || die "$catalogue:$ln: mutant needs a name"
        for k in "${names[@]}"; do
            [ "$k" = "$val" ] && die "$catalogue:$ln: mutant '$val' is listed twice"
        done
        n=$((n + 1))
        names[n]=$val files[n]='' afters[n]='' finds[n]='' repls[n]='' whys[n]=''
        hints[n]='' quicks[n]=0 equivs[n]='' at[n]=$ln
        continue
    fi
    [ "$n" -ge 0 ] || die "$catalogue:$ln: '$key' before the first 'mutant NAME'"
    case $key in
    file) files[n]=$val ;;
    after) afters[n]=$val ;;
    find) finds[n]=$val ;;
    replace) repls[n]=$val; repls_set[n]=1 ;;
    why) whys[n]=$val ;;
    tests) hints[n]=$val ;;
    quick) quicks[n]=1 ;;
    equivalent) equivs[n]=$val ;;
    *) die "$catalogue:$ln: unknown key '$key' (expected file, after, find, replace, why, tests, quick or equivalent)" ;;
    esac
done <"$catalogue"
[ "$n" -ge 0 ] || die "$catalogue: no mutants"
for k in $(seq 0 "$n"); do
    where="$catalogue:${at[k]}: mutant '${names[k]}'"
    [ -n "${files[k]}" ] || die "$where has no file"
    [ -n "${finds[k]}" ] || die "$where has no find"
    [ "${repls_set[k]:-0}" = 1 ] || die "$where has no replace"
    [ -n "${whys[k]}" ] || die "$where has no why"
    [ "${finds[k]}" != "${repls[k]}" ] || die "$where: replace is the same as find"
done
for w in $want; do
    found=0
    for k in "${names[@]}"; do [ "$k" = "$w" ] && found=1; done
    [ "$found" = 1 ] || die "no mutant '$w' in $catalogue"
done

# apply K SRC DST: writes SRC with mutant K's rule applied to DST and prints
# the line number; fails naming the rule if it does not match exactly.
apply() {
    MA=${afters[$1]} MF=${finds[$1]} MR=${repls[$1]} awk '
    BEGIN { A = ENVIRON["MA"]; F = ENVIRON["MF"]; R = ENVIRON["MR"] }
    { line[NR] = $0 }
    END {
        start = 1
        if (A != "") {
            na = 0
            for (i = 1; i <= NR; i++) if (index(line[i], A)) { na++; start = i }
            if (na != 1) { print "anchor \"" A "\" is on " na " lines (expected 1)"; exit 3 }
        }
        nf = 0; hit = 0
        for (i = start; i <= NR; i++)
            if (index(line[i], F)) { nf++; if (!hit) hit = i }
        if (nf == 0) { print "\"" F "\" is on no line" (A != "" ? " at or below the anchor" : ""); exit 3 }
        if (A == "" && nf != 1) { print "\"" F "\" is on " nf " lines (expected 1; add an anchor)"; exit 3 }
        s = line[hit]; p = index(s, F)
        if (index(substr(s, p + length(F)), F)) { print "\"" F "\" is twice on line " hit; exit 3 }
        line[hit] = substr(s, 1, p - 1) R substr(s, p + length(F))
        for (i = 1; i <= NR; i++) print line[i] > ENVIRON["MDST"]
        print hit
    }' "$2" 2>&1
}

selected() {
    [ "$want" = " " ] || case $want in *" ${names[$1]} "*) ;; *) return 1 ;; esac
    [ "$quick" = 0 ] || [ "${quicks[$1]}" = 1 ]
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/xbar-mutate.XXXXXX") || die "cannot make a scratch directory"
if [ "$keep" = 1 ]; then
    echo "mutate: scratch tree $scratch"
else
    trap 'rm -rf "$scratch"' EXIT
    trap 'exit 130' INT TERM
fi

# Every rule first, on the tree as it is: a rule that no longer matches its
# line stops the run before anything is built.
rot=0
lines=()
for k in $(seq 0 "$n"); do
    f=$root/${files[k]}
    if [ ! -f "$f" ]; then
        echo "mutate: $catalogue:${at[k]}: mutant '${names[k]}': no file ${files[k]}" >&2
        rot=1
        continue
    fi
    if ! out=$(MDST=$scratch/check.c apply "$k" "$f"); then
        echo "mutate: $catalogue:${at[k]}: mutant '${names[k]}' does not apply to ${files[k]}: $out" >&2
        rot=1
        continue
    fi
    lines[k]=$out
done
[ "$rot" = 0 ] || exit 2
count=0
for k in $(seq 0 "$n"); do selected "$k" && count=$((count + 1)); done
echo "mutate: $((n + 1)) rules apply; $count selected"
[ "$check_only" = 1 ] && exit 0
[ "$count" -gt 0 ] || die "nothing selected"

# ---- the scratch tree and its clean build --------------------------------
src=$scratch/src
mkdir -p "$src"
# Tracked files and new ones not yet added (a test being written), not the
# ignored (build/, data/, results); outside a git checkout (an unpacked
# archive, or git refusing the directory's owner), all but those.
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$root" && git ls-files -z --cached --others --exclude-standard |
        tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$src"
else
    (cd "$root" && tar --exclude=./build --exclude=./build-san --exclude=./data \
        --exclude=./results --exclude=./.git -cf - .) | tar -xf - -C "$src"
fi || die "cannot copy the files of $root"
[ -e "$root/data" ] && ln -s "$root/data" "$src/data"
[ -d "$root/build" ] && cp -a "$root/build" "$src/build"

# Test binaries by name (test_rng), built from tests/<folder>/test_*.c.
tests=()
declare -A test_path
for t in "$src"/tests/*/test_*.c; do
    rel=${t#"$src"/tests/}
    tests+=("build/tests/${rel%.c}")
    b=${t##*/}
    test_path[${b%.c}]=build/tests/${rel%.c}
done
# The commit stamp is fixed so the scratch tree (no .git) rebuilds nothing for it.
mk() { make -C "$src" -j"$jobs" --no-print-directory GIT_COMMIT=mutate build/xbar "${tests[@]}"; }

# run_one NAME LIMIT: runs one test binary (or cli.sh) in the scratch tree,
# killed after LIMIT seconds; leaves rc and the failing test names (one a
# line) in $scratch/fails.
run_one() {
    local log=$scratch/log
    if [ "$1" = cli.sh ]; then
        (cd "$src" && XBAR=$src/build/xbar timeout -k 5 "$2" sh tests/cli.sh) >"$log" 2>&1
        rc=$?
        sed -n 's/^FAIL \([^:]*\).*/\1/p' "$log" >"$scratch/fails"
    else
        (cd "$src" && XBAR=$src/build/xbar timeout -k 5 "$2" "${test_path[$1]}" --jobs 1) >"$log" 2>&1
        rc=$?
        sed -n 's/^\[FAIL\] \([^:]*::[^: ]*\).*/\1/p' "$log" >"$scratch/fails"
    fi
}

echo "mutate: building the clean scratch tree"
mk >"$scratch/build.log" 2>&1 || { tail -20 "$scratch/build.log" >&2; die "the clean tree does not build"; }
suite=()
for t in "${tests[@]}"; do suite+=("${t##*/}"); done
suite+=(cli.sh)
declare -A base_rc base_fails base_time base_limit
for b in "${suite[@]}"; do
    t0=$(date +%s%N)
    run_one "$b" $((timeout_s * 30))
    base_time[$b]=$((($(date +%s%N) - t0) / 1000000))
    base_rc[$b]=$rc
    base_fails[$b]=" $(tr '\n' '|' <"$scratch/fails" | sed 's/|/ | /g')"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        die "$b hangs on the clean tree (over $((timeout_s * 30)) s: 30 x MUTATE_TIMEOUT)"
    fi
    limit=$((base_time[$b] * 4 / 1000 + 30))
    [ "$limit" -ge "$timeout_s" ] || limit=$timeout_s
    base_limit[$b]=$limit
    if [ "$rc" != 0 ]; then
        echo "mutate: on the clean tree $b fails (exit $rc):$(tr '\n' ';' <"$scratch/fails" | sed 's/;$//; s/;/; /g; s/^/ /')"
        echo "        those tests are not counted as kills"
    fi
done
# Fastest first after a mutant's own hints: a kill found early ends the run.
order=$(for b in "${suite[@]}"; do echo "${base_time[$b]} $b"; done | sort -n | cut -d' ' -f2)
cp -a "$src/build" "$scratch/clean-build"

# ---- the mutants ---------------------------------------------------------
printf '%-34s %-10s %-58s %s\n' mutant result "killed by" time
killed=0 survived=0 invalid=0 equivalent=0
surv_list='' inv_list=''
t_all=$(date +%s)
for k in $(seq 0 "$n"); do
    selected "$k" || continue
    name=${names[k]}
    t0=$(date +%s%N)
    if [ -n "${equivs[k]}" ]; then
        equivalent=$((equivalent + 1))
        printf '%-34s %-10s %-58s %s\n' "$name" equivalent "(${equivs[k]:0:56})" -
        continue
    fi
    f=$src/${files[k]}
    rm -rf "$src/build"
    cp -a "$scratch/clean-build" "$src/build"
    cp -p "$f" "$scratch/orig"
    MDST=$f apply "$k" "$scratch/orig" >/dev/null || die "mutant '$name' stopped applying"
    result='' by=''
    if ! mk >"$scratch/build.log" 2>&1; then
        result=invalid
        by=$(grep -m1 'error' "$scratch/build.log" | cut -c1-58)
        invalid=$((invalid + 1))
        inv_list="$inv_list $name"
    else
        tried=' '
        for b in ${hints[k]} $order; do
            case $tried in *" $b "*) continue ;; esac
            tried="$tried$b "
            [ -n "${base_rc[$b]+x}" ] || die "mutant '$name': no test binary '$b' (tests line)"
            run_one "$b" "${base_limit[$b]}"
            if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
                result=killed by="$b (timeout ${base_limit[$b]}s)"
                break
            fi
            new=''
            while IFS= read -r tn; do
                case ${base_fails[$b]} in *" $tn |"*) ;; *) new=$tn; break ;; esac
            done <"$scratch/fails"
            if [ -n "$new" ]; then
                result=killed by="$b $new"
                break
            fi
            if [ "$rc" != 0 ] && [ "${base_rc[$b]}" = 0 ]; then
                result=killed by="$b (exit $rc)"
                break
            fi
        done
        if [ "$result" = killed ]; then
            killed=$((killed + 1))
        else
            result=survived
            survived=$((survived + 1))
            surv_list="$surv_list $name"
        fi
    fi
    cp -p "$scratch/orig" "$f"
    ms=$((($(date +%s%N) - t0) / 1000000))
    printf '%-34s %-10s %-58s %d.%ds\n' "$name" "$result" "${by:0:58}" $((ms / 1000)) $((ms % 1000 / 100))
done
echo "mutate: $killed killed, $survived survived, $invalid invalid, $equivalent equivalent" \
     "in $(($(date +%s) - t_all)) s"
[ -z "$surv_list" ] || echo "mutate: survived:$surv_list"
[ -z "$inv_list" ] || echo "mutate: invalid (does not compile):$inv_list"
[ "$survived" = 0 ] && [ "$invalid" = 0 ]

#!/bin/sh
# tests/layering.sh — the source tree's layering (ARCHITECTURE.md §2), run by
# make check after the build:
#   1. every #include "..." of a library file names a header of its own
#      folder or of a folder below it in LAYER_DIRS (lowest first);
#   2. the build enforces that: in every folder but the top one, a probe
#      that includes a header of the folder just above fails to compile
#      through the Makefile's own rule, and one that includes a header of
#      its own folder compiles;
#   3. no dependency cycle between the library's object files: for every
#      undefined symbol of an object, an edge to the object that defines
#      it; tsort finds any loop (a reader that calls back into the table
#      that calls it, say), named object by object.
#
#   LAYER_DIRS="noise devices/cells ..." LIB_OBJ="build/... .o" BUILD=build \
#     MAKE=make sh tests/layering.sh
set -u
: "${LAYER_DIRS:?set by the Makefile}" "${LIB_OBJ:?set by the Makefile}" "${BUILD:=build}"
: "${MAKE:=make}"
fail=0
bad() { echo "FAIL layering: $*"; fail=1; }

# The folder of each library header, one "name dir index" a line.
heads=$(i=0; for d in $LAYER_DIRS; do
    i=$((i + 1)); for h in "$d"/*.h; do [ -e "$h" ] && echo "${h##*/} $d $i"; done
done)

# ---- 1. includes point down --------------------------------------------
i=0; n_inc=0
for d in $LAYER_DIRS; do
    i=$((i + 1))
    for f in "$d"/*.c "$d"/*.h; do
        [ -e "$f" ] || continue
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            n_inc=$((n_inc + 1))
            row=$(printf '%s\n' "$heads" | awk -v h="$inc" '$1 == h { print $2, $3; exit }')
            if [ -z "$row" ]; then
                bad "$f includes \"$inc\", which is no library header"
                continue
            fi
            hd=${row% *}; hi=${row#* }
            [ "$hi" -le "$i" ] || bad "$f (layer $d) includes $inc of the higher layer $hd"
        done
    done
done
[ "$n_inc" -gt 100 ] || bad "only $n_inc includes found: is LAYER_DIRS right?"

# ---- 2. the build refuses an upward include ----------------------------
probe=.layering_probe
trap 'for d in $LAYER_DIRS; do rm -f "$d/$probe.c" "$BUILD/$d/$probe.o" "$BUILD/$d/$probe.d"; done' EXIT
set -- $LAYER_DIRS
n_probe=0
while [ $# -ge 2 ]; do
    d=$1; up=$2; shift
    [ -d "$d" ] || continue
    own=$(ls "$d"/*.h 2>/dev/null | head -n 1); own=${own##*/}
    above=$(ls "$up"/*.h 2>/dev/null | head -n 1); above=${above##*/}
    [ -n "$above" ] || continue
    if [ -n "$own" ]; then
        printf '#include "%s"\nint xb_layering_probe(void);\nint xb_layering_probe(void) { return 0; }\n' \
            "$own" > "$d/$probe.c"
        $MAKE -s --no-print-directory "$BUILD/$d/$probe.o" >/dev/null 2>&1 ||
            bad "$d: a probe including its own $own does not compile"
    fi
    printf '#include "%s"\nint xb_layering_probe(void);\nint xb_layering_probe(void) { return 0; }\n' \
        "$above" > "$d/$probe.c"
    rm -f "$BUILD/$d/$probe.o"
    if out=$($MAKE -s --no-print-directory "$BUILD/$d/$probe.o" 2>&1); then
        bad "$d: including $above (layer $up) compiled; the layer's include paths do not stop it"
    else
        case $out in
            *"$above"*) n_probe=$((n_probe + 1)) ;;
            *) bad "$d: the probe including $above failed for another reason: $out" ;;
        esac
    fi
    rm -f "$d/$probe.c"
done

# ---- 3. no cycle between objects ---------------------------------------
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"; for d in $LAYER_DIRS; do rm -f "$d/$probe.c" "$BUILD/$d/$probe.o" "$BUILD/$d/$probe.d"; done' EXIT
for o in $LIB_OBJ; do
    [ -e "$o" ] || { bad "$o is missing (build first)"; continue; }
    nm -g --defined-only "$o" | awk -v o="$o" 'NF == 3 { print $3, o }' >> "$tmp/defs"
    nm -g --undefined-only "$o" | awk -v o="$o" '{ print $2, o }' >> "$tmp/uses"
done
sort -o "$tmp/defs" "$tmp/defs"; sort -o "$tmp/uses" "$tmp/uses"
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3 }' | sort -u > "$tmp/edges"
n_edges=$(wc -l < "$tmp/edges")
[ "$n_edges" -gt 100 ] || bad "only $n_edges dependencies between objects: is LIB_OBJ right?"
if ! tsort "$tmp/edges" > /dev/null 2> "$tmp/loops"; then
    bad "dependency cycles between objects (each 'loop' lists its members):"
    sed 's/^tsort: /    /' "$tmp/loops"
fi

[ $fail = 0 ] && echo "layering: $n_inc includes point down; $n_probe layers refuse the header" \
    "above them; $n_edges dependencies between $(echo $LIB_OBJ | wc -w) objects, no cycle"
exit $fail

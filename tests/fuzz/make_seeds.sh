#!/bin/sh
# Makes the seed corpora of tests/fuzz/corpus/ from the shipped configs and
# small data files written here (tests/fuzz/README.md). Run from the
# repository root: sh tests/fuzz/make_seeds.sh. Seeds already there (and
# the crash reproducers added by hand) are kept; files of the same name are
# rewritten with the same bytes.
set -eu
C=tests/fuzz/corpus
mkdir -p $C/config $C/experiment $C/idx $C/cifar $C/strokes $C/h5_matrix $C/h5_result

# ---- configs: the shipped files, paths of @include made relative to the
# fuzz scratch directory (which links configs/models as models/) ----
for f in configs/devices/*.cfg; do cp "$f" $C/config/"$(basename "$f")"; done
printf 'device = { type = "pcm"; };\n%%%%\nadc_bits=6\ndevice.g_max=20\nxbar.adc_range=p99.5\n' \
    > $C/config/sets.cfg
printf 'xbar = { tile_rows = 128; adc_range = 2.5; noise = "add"; sigma = 0.1; };\n' \
    > $C/config/engine.cfg
for f in configs/*.cfg configs/paper001/*.cfg; do
    sed 's|@include "\.\./models/|@include "models/|' "$f" > $C/experiment/"$(basename "$f")"
done
printf '@include "models/mlp.cfg"\ndata = { set = "synthetic"; };\n%%%%\nsweep.sigma_test=0,0.5\ntrain.epochs=2\ndevice.type=pcm\nxbar.t=60\n' \
    > $C/experiment/sets.cfg

# ---- IDX: byte 0 flags (1 gzip images, 2 gzip labels, 4*k shape k),
# byte 1 classes - 1, byte 2 label-file length, the label file, the image
# file ----
idx() { # name flags classes-1 n rows cols: n images of rows x cols bytes
    name=$1 flags=$2 cm1=$3 n=$4 r=$5 c=$6
    {
        printf "\\$(printf %o "$flags")\\$(printf %o "$cm1")\\$(printf %o $((8 + n)))"
        printf '\0\0\10\1\0\0\0'"\\$(printf %o "$n")"
        i=0; while [ $i -lt "$n" ]; do printf "\\$(printf %o $((i % (cm1 + 1))))"; i=$((i + 1)); done
        printf '\0\0\10\3\0\0\0'"\\$(printf %o "$n")"
        printf '\0\0\0'"\\$(printf %o "$r")"'\0\0\0'"\\$(printf %o "$c")"
        yes xbar | head -c $((n * r * c))
    } > $C/idx/"$name"
}
idx two_2x2 8 9 2 2 2
idx two_2x2_gz 11 9 2 2 2
idx one_28x28 4 9 1 28 28
idx three_5x3_gz_images 13 1 3 5 3

# ---- CIFAR-10: byte 0 (1 = gzip), then whole records ----
rec() { printf "\\$(printf %o "$1")"; yes "pixels $1" | head -c 3072; }
{ printf '\0'; rec 3; } > $C/cifar/one_record
{ printf '\1'; rec 0; rec 9; } > $C/cifar/two_records_gz

# ---- strokes: byte 0 flags (1 gzip input, 2 gzip target, 4 four
# features, 8*k steps k+1), the input file, "%%", the target file ----
t() { printf '0 0 0 0 0 1 0 0 0 0 %s\n' "$1"; }
{ printf '\77'; printf '5 -3 0 0\n1 2 1 0\n-4 0 0 0\n0 7 0 1\n%%%%\n'
  t '1 2 0 0'; t '-4 0 0 0'; t '0 7 0 1'; t '0 0 0 0'; } > $C/strokes/four_steps
{ printf '\23'; printf '2 2 0 1\n%%%%\n'; t '0 0 0 0'; } > $C/strokes/one_step_gz

# ---- HDF5, structural (tests/fuzz/xb_fuzz.h): byte lists that describe
# the objects (kind 2 = dataset; type 0 f32, 1 f64, 4 i32, 9 string; rank;
# dimension indices into dim_table; value pattern 1 = counter, 2 = NaN;
# then the units/description attributes) ----
bytes() { for b; do printf "\\$(printf %o "$b")"; done; }
# fuzz_h5_matrix: sizes, naming, then /W, /X, /Y
bytes 0 0  2 0 2 3 2 1 0 1 1 1 0  2 1 2 4 2 1 3  0 > $C/h5_matrix/valid_3x2_4x2
bytes 0 3  2 0 2 3 2 1 3  2 1 2 4 2 1 3  0 > $C/h5_matrix/named_datasets
bytes 7 0  2 0 2 3 2 2 3  2 1 2 4 2 1 3  0 > $C/h5_matrix/nan_weight_given_sizes
bytes 0 0  2 0 2 10 10 0 3  2 1 2 4 2 1 3  0 > $C/h5_matrix/huge_2p31_squared
bytes 0 0  2 9 2 3 2 1 3  2 1 2 4 2 1 3  0 > $C/h5_matrix/string_weights
# fuzz_h5_result: edits of a real sweep file (target index, then the object)
: > $C/h5_result/unchanged
bytes 10 2 4 1 1 9 5 3 > $C/h5_result/epochs_done_5_of_1
bytes 6 2 1 3 2 2 2 2 0 1 1 1 0 > $C/h5_result/accuracy_nan_2x2x2
bytes 9 2 0 1 13 0 3 > $C/h5_result/params_2p62
bytes 0 2 4 0 1 3 > $C/h5_result/config_an_integer
bytes 24 1 6 > $C/h5_result/seed_a_string
# reproducers found by fuzz_h5_result (tests/fuzz/README.md)
bytes 1 2 1 1 8 0 3  2 2 1 1 7 0 3  6 2 1 3 8 7 7 0 3 > $C/h5_result/oom-info-grid-65536x64x64

# ---- known defects fixed on branch defects, kept as regressions ----
# an IDX header announcing 16,777,215 images of 16,384 x 16,384
{ bytes 0 9 9  0 0 8 1 0 255 255 255 3  0 0 8 3 0 255 255 255 0 0 64 0 0 0 64 0; } \
    > $C/idx/known-header-16M-images-of-16384x16384
# a valid gzip image file cut before its CRC32/length trailer (raw mode)
{ bytes 0 9 10  0 0 8 1 0 0 0 2 1 2
  { bytes 0 0 8 3 0 0 0 2 0 0 0 2 0 0 0 2; yes xbar | head -c 8; } | gzip -n -c | head -c -8; } \
    > $C/idx/known-gzip-without-trailer

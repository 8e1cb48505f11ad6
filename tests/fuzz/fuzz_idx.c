/*
 * fuzz_idx — the IDX reader (MNIST, Fashion-MNIST): xb_dataset_read_idx on
 * an image file and a label file, each plain or gzip.
 *
 * Input: byte 0 holds flags: bit 0 gzip-wraps the image file and bit 1 the
 * label file (so the fuzzer reaches the IDX parser behind a valid
 * decompressor; without them the raw bytes go to zlib, which also reads
 * any gzip header the fuzzer makes up), bits 2-3 pick the expected image
 * size h x w (any, 28 x 28, 2 x 2, any x 3). Byte 1 + 1 is the number of
 * classes, byte 2 the length L of the label file, which follows; the rest
 * is the image file. Besides "no crash, no sanitizer report": a data set
 * that reads has what its headers said.
 */
#include <string.h>

#include "xb_alloc.h"
#include "xb_data.h"
#include "xb_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int shapes[4][2] = {{0, 0}, {28, 28}, {2, 2}, {0, 3}};
    static struct xb_ctx *ctx;
    static char images[4096], labels[4096];
    if (!ctx) {
        ctx = xb_fuzz_ctx();
        xb_fuzz_path(images, "images-idx3-ubyte");
        xb_fuzz_path(labels, "labels-idx1-ubyte");
    }
    if (size < 3)
        return 0;
    int flags = data[0], classes = data[1] + 1;
    size_t nl = data[2] < size - 3 ? data[2] : size - 3;
    const uint8_t *l = data + 3, *im = l + nl;
    size_t ni = size - 3 - nl;
    (flags & 1 ? xb_fuzz_write_gz : xb_fuzz_write)(images, im, ni);
    (flags & 2 ? xb_fuzz_write_gz : xb_fuzz_write)(labels, l, nl);
    int h = shapes[(flags >> 2) & 3][0], w = shapes[(flags >> 2) & 3][1];
    struct xb_dataset *ds = NULL;
    if (xb_fuzz_outcome(ctx, "idx", xb_dataset_read_idx(ctx, images, labels, h, w, classes,
                                                           "fuzz", &ds)) == XB_OK) {
        /* Both files start with the 0 of their magic, so neither is a gzip
         * stream of the fuzzer's making: the files hold the input's bytes. */
        if (im[0] == 0 && l[0] == 0) {
            size_t n = (size_t)im[4] << 24 | (size_t)im[5] << 16 | (size_t)im[6] << 8 | im[7];
            xb_fuzz_check(ds->n == n && ds->c == 1 && ds->h == (im[10] << 8 | im[11]) &&
                              ds->w == (im[14] << 8 | im[15]) && ni == 16 + ds->n * ds->dim &&
                              nl == 8 + ds->n,
                          "IDX data set disagrees with its header", NULL);
            for (size_t i = 0; i < ds->n; i++)
                xb_fuzz_check(ds->y[i] == l[8 + i] && ds->y[i] < classes, "IDX label", NULL);
            for (size_t k = 0; k < ds->n * ds->dim; k++)
                xb_fuzz_check(ds->x[k] == (float)im[16 + k] / 255.0f, "IDX pixel", NULL);
        }
        xb_dataset_free(ds);
    } else {
        xb_fuzz_check(ds == NULL, "a failed read left a data set", NULL);
    }
    return 0;
}

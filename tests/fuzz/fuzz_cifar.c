/*
 * fuzz_cifar — the CIFAR-10 binary reader: xb_dataset_read_cifar10 on one
 * file, plain or gzip.
 *
 * Input: byte 0, bit 0 gzip-wraps the rest (a valid gzip member, so the
 * record parser is reached behind the decompressor); otherwise the rest
 * is the file as it is. Besides "no crash, no sanitizer report": a file
 * that reads holds whole records whose labels and pixels are the bytes.
 */
#include "xb_data.h"
#include "xb_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xb_ctx *ctx;
    static char path[4096];
    if (!ctx) {
        ctx = xb_fuzz_ctx();
        xb_fuzz_path(path, "data_batch_1.bin");
    }
    if (size < 1)
        return 0;
    const uint8_t *f = data + 1;
    size_t n = size - 1;
    (data[0] & 1 ? xb_fuzz_write_gz : xb_fuzz_write)(path, f, n);
    struct xb_dataset *ds = NULL;
    if (xb_fuzz_outcome(ctx, "cifar", xb_dataset_read_cifar10(ctx, path, "fuzz", &ds)) == XB_OK) {
        /* Unless the raw bytes are themselves gzip, the file holds them. */
        if ((data[0] & 1) || !(n >= 2 && f[0] == 0x1f && f[1] == 0x8b)) {
            xb_fuzz_check(ds->n * 3073 == n && ds->c == 3 && ds->h == 32 && ds->w == 32,
                          "CIFAR-10 record count", NULL);
            for (size_t i = 0; i < ds->n; i++) {
                xb_fuzz_check(ds->y[i] == f[i * 3073] && ds->y[i] < 10, "CIFAR-10 label", NULL);
                for (size_t k = 0; k < 3072; k++)
                    xb_fuzz_check(ds->x[i * 3072 + k] == (float)f[i * 3073 + 1 + k] / 255.0f,
                                  "CIFAR-10 pixel", NULL);
            }
        }
        xb_dataset_free(ds);
    } else {
        xb_fuzz_check(ds == NULL, "a failed read left a data set", NULL);
    }
    return 0;
}

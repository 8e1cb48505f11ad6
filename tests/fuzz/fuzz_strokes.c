/*
 * fuzz_strokes — de Jong's stroke-sequence reader: xb_strokes_read on an
 * input file ("dx dy eos eod" per line) and a target file (14 columns),
 * each plain or gzip.
 *
 * Input: byte 0 holds flags: bit 0 gzip-wraps the input file, bit 1 the
 * target file, bit 2 asks for 4 features (else 2), bits 3-7 + 1 are the
 * steps kept (1 .. 32). Then the input file, a line "%%", the target
 * file. Besides "no crash, no sanitizer report": padding past the
 * sequence is zero and the label is a class.
 */
#include <string.h>

#include "xb_data.h"
#include "xb_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xb_ctx *ctx;
    static char input[4096], target[4096];
    if (!ctx) {
        ctx = xb_fuzz_ctx();
        xb_fuzz_path(input, "trainimg-0-inputdata.txt");
        xb_fuzz_path(target, "trainimg-0-targetdata.txt");
    }
    if (size < 1)
        return 0;
    int flags = data[0], features = flags & 4 ? 4 : 2, steps = (flags >> 3) + 1;
    const uint8_t *a, *b;
    size_t na, nb;
    xb_fuzz_split(data + 1, size - 1, "\n%%\n", &a, &na, &b, &nb);
    (flags & 1 ? xb_fuzz_write_gz : xb_fuzz_write)(input, a, na);
    (flags & 2 ? xb_fuzz_write_gz : xb_fuzz_write)(target, b, nb);
    float x[32 * 4];
    uint8_t label = 255;
    int length = -1;
    enum xb_status st = xb_strokes_read(ctx, input, target, steps, features, x, &label, &length);
    if (xb_fuzz_outcome(ctx, "strokes", st) == XB_OK) {
        xb_fuzz_check(label < 10 && length >= 1, "stroke label or length", NULL);
        for (int t = length; t < steps; t++)
            for (int k = 0; k < features; k++)
                xb_fuzz_check(x[t * features + k] == 0.0f, "stroke padding", NULL);
    }
    return 0;
}

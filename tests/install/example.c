/*
 * example.c — a program outside the tree that links the installed libxbar
 * (README.md "Using xbar as a library"; tests/install.sh builds it with
 * nothing but `pkg-config --cflags --libs xbar` and runs it).
 *
 * It programs a 128 × 256 weight matrix onto PCM crossbars (one chip
 * instance, 8-bit converters, global drift compensation), ages the chip to one day after programming,
 * calibrates the ADC on the inputs, runs the noisy matrix-vector product
 * and compares it with the exact one. It checks what a user of the library
 * relies on and exits 1 if one fails:
 *   - the chip's SNR lies between the drift-free limit of 8-bit converters
 *     and zero (the read is neither exact nor garbage);
 *   - the same seed gives the same bits on a second chip built from scratch;
 *   - another seed gives another chip (another programming noise).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar.h>

enum { OUT = 128, IN = 256, ROWS = 64 };

static int fail(struct xb_ctx *ctx, const char *what)
{
    fprintf(stderr, "example: %s: %s\n", what, xb_ctx_error(ctx));
    return 1;
}

/* y[ROWS × OUT] of the chip programmed with seed, read at t = 1 day. */
static int chip_product(uint64_t seed, const float *W, const float *X, float *Y)
{
    struct xb_ctx_params cp = {.seed = seed, .threads = 0, .log = XB_LOG_QUIET};
    struct xb_ctx *ctx = xb_ctx_create(&cp);
    if (!ctx)
        return 1;
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    if (xb_device_init(ctx, &p.device, "pcm") != XB_OK)
        return fail(ctx, "device");
    p.tile_rows = 128;
    p.tile_cols = 128;
    p.dac_bits = 8;
    p.adc_bits = 8;
    p.adc_calib = XB_ADC_MAX;
    p.drift_comp = 1; /* one reference read rescales the drifted outputs */
    struct xb_xbar *xb;
    if (xb_xbar_create(ctx, &p, W, OUT, IN, &xb) != XB_OK)
        return fail(ctx, "program");
    int rc = xb_xbar_age(ctx, xb, 86400.0) != XB_OK || xb_xbar_calibrate(ctx, xb, X, ROWS) != XB_OK;
    if (!rc) {
        struct xb_rows addr = {.sample0 = 0, .batch = ROWS, .vote0 = 0, .step = 0};
        xb_xbar_execute(xb, X, ROWS, NULL, Y, &addr, NULL);
    } else {
        fail(ctx, "age or calibrate");
    }
    xb_xbar_free(xb);
    xb_ctx_free(ctx);
    return rc;
}

int main(void)
{
    static float W[OUT * IN], X[ROWS * IN], Y[ROWS * OUT], Y2[ROWS * OUT], Y3[ROWS * OUT];
    /* Deterministic weights in [-1, 1] and inputs in [0, 1] without a
     * random-number library, so the example needs nothing else. */
    for (size_t i = 0; i < (size_t)OUT * IN; i++)
        W[i] = (float)sin(0.37 * (double)i + 0.11 * (double)(i % 7));
    for (size_t i = 0; i < (size_t)ROWS * IN; i++)
        X[i] = (float)(0.5 + 0.5 * cos(0.23 * (double)i));
    if (chip_product(42, W, X, Y) || chip_product(42, W, X, Y2) || chip_product(43, W, X, Y3))
        return 1;

    double signal = 0.0, error = 0.0;
    for (size_t r = 0; r < ROWS; r++)
        for (size_t o = 0; o < OUT; o++) {
            double exact = 0.0;
            for (size_t i = 0; i < IN; i++)
                exact += (double)W[o * IN + i] * (double)X[r * IN + i];
            double e = (double)Y[r * OUT + o] - exact;
            signal += exact * exact;
            error += e * e;
        }
    double snr_db = 10.0 * log10(signal / error);
    printf("PCM chip, 1 day after programming, 8-bit converters: SNR %.2f dB\n", snr_db);

    int bad = 0;
    /* 8-bit converters alone cap the SNR near 6.02·8 + 1.76 ≈ 50 dB; PCM
     * programming noise, read noise and a day of drift must cost more than
     * nothing and leave the product recognisable. */
    if (!(snr_db > 0.0 && snr_db < 49.9)) {
        fprintf(stderr, "example: SNR %.2f dB is outside (0, 49.9)\n", snr_db);
        bad = 1;
    }
    if (memcmp(Y, Y2, sizeof Y) != 0) {
        fprintf(stderr, "example: the same seed gave different products\n");
        bad = 1;
    }
    if (memcmp(Y, Y3, sizeof Y) == 0) {
        fprintf(stderr, "example: another seed gave the same chip\n");
        bad = 1;
    }
    if (!bad)
        printf("example: all checks passed\n");
    return bad;
}

#include "xb_noise.h"

#include <math.h>
#include <string.h>

void xb_noise_draw(float sigma, const struct xb_stream *base, const struct xb_rows *rows,
                   size_t r, size_t c0, size_t cols, float *out)
{
    struct xb_stream s = xb_stream_row(*base, xb_rows_sample(rows, r), xb_rows_vote(rows, r));
    xb_normal_fill(&s, c0, cols, out);
#pragma omp simd
    for (size_t j = 0; j < cols; j++)
        out[j] = sigma * out[j];
}

void xb_noise_mix(enum xb_noise_kind kind, const float *x, const float *s, float *y, size_t n)
{
    /* omp simd: y may be x, but element j only ever reads element j */
    if (kind == XB_NOISE_ADD) {
#pragma omp simd
        for (size_t j = 0; j < n; j++)
            y[j] = x[j] + s[j];
    } else if (kind == XB_NOISE_MULT) {
#pragma omp simd
        for (size_t j = 0; j < n; j++)
            y[j] = x[j] + x[j] * s[j];
    }
}

void xb_noise_apply(enum xb_noise_kind kind, float sigma, const struct xb_stream *base,
                    const struct xb_rows *rows, size_t r0, size_t r1, size_t c0,
                    size_t cols, float *y, size_t ld, float *eps)
{
    if (kind == XB_NOISE_NONE || sigma == 0.0f)
        return;
    for (size_t r = r0; r < r1; r++) {
        float *yr = y + r * ld + c0;
        xb_noise_draw(sigma, base, rows, r, c0, cols, eps);
        xb_noise_mix(kind, yr, eps, yr, cols);
    }
}

int xb_noise_kind_parse(const char *s)
{
    if (!strcmp(s, "none"))
        return XB_NOISE_NONE;
    if (!strcmp(s, "add"))
        return XB_NOISE_ADD;
    if (!strcmp(s, "mult"))
        return XB_NOISE_MULT;
    return -1;
}

const char *xb_noise_kind_name(enum xb_noise_kind kind)
{
    switch (kind) {
    case XB_NOISE_NONE:
        return "none";
    case XB_NOISE_ADD:
        return "add";
    case XB_NOISE_MULT:
        return "mult";
    }
    return "?";
}

/* + 0.0: sigma = 1 gives 0 dB, not -0 dB. */
double xb_snr_db_mult(double sigma) { return -20.0 * log10(sigma) + 0.0; }
double xb_sigma_mult(double snr_db) { return pow(10.0, -snr_db / 20.0); }

double xb_snr_db_add(double sigma, double signal_power)
{
    return 10.0 * log10(signal_power / (sigma * sigma));
}

double xb_sigma_add(double snr_db, double signal_power)
{
    return sqrt(signal_power / pow(10.0, snr_db / 10.0));
}

double xb_signal_power(const float *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * (double)x[i];
    return n ? s / (double)n : 0.0;
}

double xb_snr_db_measured(const float *ideal, const float *noisy, size_t n)
{
    double ps = 0.0, pn = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)noisy[i] - (double)ideal[i];
        ps += (double)ideal[i] * (double)ideal[i];
        pn += d * d;
    }
    return 10.0 * log10(ps / pn);
}

double xb_rel_error_std(const float *ideal, const float *noisy, size_t n)
{
    if (n == 0)
        return 0.0;
    double rms = sqrt(xb_signal_power(ideal, n));
    double m = 0.0, m2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = ((double)noisy[i] - (double)ideal[i]) / rms;
        m += d;
        m2 += d * d;
    }
    m /= (double)n;
    return sqrt(fmax(m2 / (double)n - m * m, 0.0));
}

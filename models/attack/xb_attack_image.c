/*
 * The image geometry of the transfer attacks (xb_attack.h): the side of a
 * net's input as a square image, DIM's resize-and-pad and its adjoint,
 * TIM's Gaussian smoothing. Apart from the kinds' files so that the loop
 * (xb_attack.c) and the kinds use them without depending on each other.
 */
#include <math.h>
#include <string.h>

#include "xb_attack.h"

int xb_attack_image_side(const struct xb_net *net)
{
    const struct xb_shape s = xb_net_layer((struct xb_net *)net, 0)->in;
    const size_t n = xb_shape_size(s);
    if (s.c != 1 && !(s.h == 1 && s.w == 1))
        return 0;
    int side = 0;
    while ((size_t)(side + 1) * (size_t)(side + 1) <= n)
        side++;
    if ((size_t)side * (size_t)side != n)
        return 0;
    /* 1 × s × s, or a dense vector of s² (c × 1 × 1 or 1 × 1 × w). */
    return (s.h == s.w || s.h == 1 || s.w == 1) ? side : 0;
}

/* Half-pixel source coordinates of a resize from `in` to `out` pixels
 * (torch's area_pixel_compute_source_index, align_corners = false, in
 * float as torch computes it): destination i reads lo[i] and hi[i] with
 * weights 1 - f[i] and f[i]. */
static void resize_taps(int in, int out, int *lo, int *hi, float *f)
{
    const float scale = (float)in / (float)out;
    for (int i = 0; i < out; i++) {
        float src = scale * ((float)i + 0.5f) - 0.5f;
        src = src < 0.0f ? 0.0f : src;
        lo[i] = (int)src;
        hi[i] = lo[i] + 1 < in ? lo[i] + 1 : in - 1;
        f[i] = src - (float)lo[i];
    }
}

void xb_attack_resize_apply(int side, const struct xb_attack_resize *t, const float *x,
                            float *y)
{
    XB_ASSERT(side >= 1 && side <= XB_ATTACK_MAX_SIDE && t->r >= 1 && t->r <= side);
    int lo[XB_ATTACK_MAX_SIDE], hi[XB_ATTACK_MAX_SIDE];
    float f[XB_ATTACK_MAX_SIDE];
    resize_taps(side, t->r, lo, hi, f);
    memset(y, 0, (size_t)side * (size_t)side * sizeof(float));
    for (int i = 0; i < t->r; i++) {
        const float *a = x + (size_t)lo[i] * (size_t)side, *b = x + (size_t)hi[i] * (size_t)side;
        float *row = y + (size_t)(t->top + i) * (size_t)side + t->left;
        for (int j = 0; j < t->r; j++) {
            const float top = (1.0f - f[j]) * a[lo[j]] + f[j] * a[hi[j]];
            const float bot = (1.0f - f[j]) * b[lo[j]] + f[j] * b[hi[j]];
            row[j] = (1.0f - f[i]) * top + f[i] * bot;
        }
    }
}

void xb_attack_resize_adjoint(int side, const struct xb_attack_resize *t, const float *gy,
                              float *gx)
{
    XB_ASSERT(side >= 1 && side <= XB_ATTACK_MAX_SIDE && t->r >= 1 && t->r <= side);
    int lo[XB_ATTACK_MAX_SIDE], hi[XB_ATTACK_MAX_SIDE];
    float f[XB_ATTACK_MAX_SIDE];
    resize_taps(side, t->r, lo, hi, f);
    memset(gx, 0, (size_t)side * (size_t)side * sizeof(float));
    for (int i = 0; i < t->r; i++) {
        float *a = gx + (size_t)lo[i] * (size_t)side, *b = gx + (size_t)hi[i] * (size_t)side;
        const float *row = gy + (size_t)(t->top + i) * (size_t)side + t->left;
        for (int j = 0; j < t->r; j++) {
            const float top = (1.0f - f[i]) * row[j], bot = f[i] * row[j];
            a[lo[j]] += (1.0f - f[j]) * top;
            a[hi[j]] += f[j] * top;
            b[lo[j]] += (1.0f - f[j]) * bot;
            b[hi[j]] += f[j] * bot;
        }
    }
}

void xb_attack_smooth(int side, int len, const float *g, float *out)
{
    XB_ASSERT(len >= 1 && len % 2 == 1 && len <= 2 * side - 1);
    double k[2 * XB_ATTACK_MAX_SIDE];
    double sum = 0.0;
    for (int i = 0; i < len; i++) {
        const double x = len > 1 ? -3.0 + 6.0 * (double)i / (double)(len - 1) : -3.0;
        sum += k[i] = exp(-0.5 * x * x);
    }
    for (int i = 0; i < len; i++)
        k[i] /= sum;
    const int c = len / 2;
    for (int i = 0; i < side; i++)
        for (int j = 0; j < side; j++) {
            double acc = 0.0;
            for (int a = 0; a < len; a++) {
                const int ii = i + a - c;
                if (ii < 0 || ii >= side)
                    continue;
                for (int b = 0; b < len; b++) {
                    const int jj = j + b - c;
                    if (jj >= 0 && jj < side)
                        acc += k[a] * k[b] * (double)g[(size_t)ii * (size_t)side + (size_t)jj];
                }
            }
            out[(size_t)i * (size_t)side + (size_t)j] = (float)acc;
        }
}

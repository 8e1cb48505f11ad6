/*
 * fuzz_h5_matrix — the matrices of `xbar mvm --weights W.h5 --inputs X.h5`:
 * xb_mvm_load, which reads /W and /X through xb_h5_read_matrix and checks
 * them against each other and against --rows/--cols/--batch.
 *
 * Fuzzed structurally (xb_fuzz.h): byte 0 picks which of --rows, --cols,
 * --batch are given (and small values for them), byte 1 whether the
 * dataset is named ("file.h5:/W") or the default; the rest describes /W,
 * /X and an extra object, written as a real HDF5 file. Besides "no crash,
 * no sanitizer report": matrices that load agree in shape and hold finite
 * values.
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>

#include "xb_alloc.h"
#include "xb_fuzz.h"
#include "xb_mvm_study.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xb_ctx *ctx;
    static char path[4096], wspec[4200], xspec[4200];
    if (!ctx) {
        ctx = xb_fuzz_ctx();
        xb_fuzz_path(path, "wx.h5");
        snprintf(wspec, sizeof wspec, "%s:/W", path);
        snprintf(xspec, sizeof xspec, "%s:/group/X", path);
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    }
    struct xb_fuzz_bytes b = {data, size};
    uint8_t sizes = xb_fuzz_byte(&b), named = xb_fuzz_byte(&b);
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (fid < 0)
        return 0;
    xb_fuzz_h5_object(fid, "W", &b);
    xb_fuzz_h5_object(fid, named & 2 ? "group/X" : "X", &b);
    xb_fuzz_h5_object(fid, "Y", &b);
    H5Fclose(fid);

    struct xb_mvm_study s = {0};
    s.rows = sizes & 1 ? (size_t)(sizes >> 3 & 3) + 1 : 0;
    s.cols = sizes & 2 ? (size_t)(sizes >> 5 & 3) + 1 : 0;
    s.batch = sizes & 4 ? (size_t)(sizes >> 7) + 1 : 0;
    s.weights = named & 1 ? wspec : path;
    s.inputs = named & 2 ? xspec : path;
    float *W = NULL, *X = NULL;
    if (xb_fuzz_outcome(ctx, "mvm", xb_mvm_load(ctx, &s, &W, &X)) == XB_OK) {
        xb_fuzz_check(W && X && s.rows && s.cols && s.batch, "mvm: loaded without shapes", NULL);
        for (size_t i = 0; i < s.rows * s.cols; i++)
            xb_fuzz_check(isfinite(W[i]), "mvm: a non-finite weight loaded", NULL);
        for (size_t i = 0; i < s.batch * s.cols; i++)
            xb_fuzz_check(isfinite(X[i]), "mvm: a non-finite input loaded", NULL);
    } else {
        xb_fuzz_check(!W && !X, "mvm: a failed load left a matrix", NULL);
    }
    xb_free(W);
    xb_free(X);
    xb_data_files_free(&s.files);
    return 0;
}

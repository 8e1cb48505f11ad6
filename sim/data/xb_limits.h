/*
 * xb_limits.h — the bounds on sizes xbar reads from outside: config files
 * and --set, IDX and CIFAR-10 headers, HDF5 shapes. Each is checked where
 * the value enters, before anything is allocated or read, so a corrupt
 * header or a typo is a one-line input error (exit 2) naming the file and
 * the limit, never an abort in the allocator or hours of reading. The
 * model's own bounds (parameters, activations) are in models/layers/xb_net.h;
 * sim/README.md lists them all.
 */
#ifndef XB_LIMITS_H
#define XB_LIMITS_H

#include <stddef.h>

/* A matrix of xbar mvm (--weights, --inputs, --rows x --cols): 2^28
 * float32 elements, 1 GiB. The simulation keeps W, its conductances and
 * the products beside it, several times that; a full 2^14 x 2^14 tile
 * array is 2^28. */
#define XB_MAX_MATRIX_ELEMENTS ((size_t)1 << 28)

/* Any array xbar reads back from a result file (a model's parameters, a
 * sweep's accuracies): 2^28 elements, 2 GiB as float64. It exceeds the
 * largest model (XB_NET_MAX_PARAMS) and the largest sweep grid (64 x 64
 * points x 10,000 repeats = 4.1e7), so only a corrupt or foreign file
 * reaches it. */
#define XB_MAX_H5_ELEMENTS ((size_t)1 << 28)

/* A data set in memory as float32 pixels (items x C x H x W): 2^28, 1 GiB.
 * CIFAR-10's 50,000 training images are 1.5e8, Fashion-MNIST's 60,000 are
 * 4.7e7. Checked on the header's claim before the pixels are allocated. */
#define XB_MAX_DATASET_FLOATS ((size_t)1 << 28)

/* A result file's /data_files: at most 2^22 rows (de Jong's stroke data
 * set is 140,000 files) of paths of at most PATH_MAX (4096) bytes with the
 * nul; a row count or path length beyond is a corrupt or foreign file. */
#define XB_DATA_FILES_MAX (1 << 22)
#define XB_DATA_FILES_MAX_PATH 4096

#endif

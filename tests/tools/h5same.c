/*
 * h5same.c — are two HDF5 files the same result? For tests/killtest.sh.
 *
 *   h5same [-x ROOT_ATTR]... A.h5 B.h5
 *
 * Every object path of A is in B and the other way round; every dataset
 * and every attribute (of the root, groups and datasets) has the same
 * datatype, the same shape and the same bytes (variable-length strings:
 * the same text; compounds, arrays and sequences member by member;
 * object references — HDF5 dimension scales' DIMENSION_LIST and
 * REFERENCE_LIST — by the path of the object they name, since the
 * addresses they hold depend on where each file put its objects);
 * except the root attributes named by -x, which may differ (provenance
 * such as the creation time). Exit 0 if the same, 1 with the first
 * difference on stderr, 2 if a file cannot be read. Prints how many
 * datasets and attributes were compared.
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXCLUDED 16

struct walk {
    hid_t a, b;
    const char *excluded[MAX_EXCLUDED];
    int n_excluded;
    long datasets, attributes;
    int differ;
    char what[2048]; /* the first difference */
};

static int differs(struct walk *w, const char *fmt, const char *name)
{
    if (!w->differ)
        snprintf(w->what, sizeof w->what, fmt, name);
    w->differ = 1;
    return -1;
}

/* Whether n elements of memory type t at x (of file fx) and y (of file
 * fy) are equal: numbers and fixed-size data as bytes, variable-length
 * strings as text, object references by the paths they name,
 * variable-length sequences, compounds and arrays member by member. */
static int equal(hid_t t, const char *x, const char *y, size_t n, hid_t fx, hid_t fy)
{
    size_t size = H5Tget_size(t);
    H5T_class_t c = H5Tget_class(t);
    if (c == H5T_REFERENCE && H5Tequal(t, H5T_STD_REF_OBJ) > 0) {
        for (size_t i = 0; i < n; i++) {
            char px[1024], py[1024];
            if (H5Rget_name(fx, H5R_OBJECT, x + i * size, px, sizeof px) < 0 ||
                H5Rget_name(fy, H5R_OBJECT, y + i * size, py, sizeof py) < 0 || strcmp(px, py))
                return 0;
        }
        return 1;
    }
    if (c == H5T_STRING && H5Tis_variable_str(t) > 0) {
        for (size_t i = 0; i < n; i++) {
            const char *p = ((char *const *)x)[i], *q = ((char *const *)y)[i];
            if (strcmp(p ? p : "", q ? q : ""))
                return 0;
        }
        return 1;
    }
    if (c != H5T_VLEN && c != H5T_COMPOUND && c != H5T_ARRAY)
        return !memcmp(x, y, n * size);
    int same = 1;
    for (size_t i = 0; i < n && same; i++, x += size, y += size) {
        if (c == H5T_VLEN) {
            const hvl_t *p = (const hvl_t *)x, *q = (const hvl_t *)y;
            hid_t base = H5Tget_super(t);
            same = p->len == q->len && equal(base, p->p, q->p, p->len, fx, fy);
            H5Tclose(base);
        } else if (c == H5T_ARRAY) {
            hid_t base = H5Tget_super(t);
            same = equal(base, x, y, size / H5Tget_size(base), fx, fy);
            H5Tclose(base);
        } else {
            int members = H5Tget_nmembers(t);
            for (int m = 0; m < members && same; m++) {
                hid_t mt = H5Tget_member_type(t, (unsigned)m);
                size_t off = H5Tget_member_offset(t, (unsigned)m);
                same = equal(mt, x + off, y + off, 1, fx, fy);
                H5Tclose(mt);
            }
        }
    }
    return same;
}

/* The values of two datasets or attributes (attr != 0): the same file
 * datatype, the same shape, equal values (above). */
static int same_values(struct walk *w, hid_t x, hid_t y, int attr, const char *name)
{
    hid_t tx = attr ? H5Aget_type(x) : H5Dget_type(x);
    hid_t ty = attr ? H5Aget_type(y) : H5Dget_type(y);
    hid_t sx = attr ? H5Aget_space(x) : H5Dget_space(x);
    hid_t sy = attr ? H5Aget_space(y) : H5Dget_space(y);
    int rc = 0;
    if (H5Tequal(tx, ty) <= 0)
        rc = differs(w, "%s: the datatypes differ", name);
    else if (H5Sextent_equal(sx, sy) <= 0)
        rc = differs(w, "%s: the shapes differ", name);
    if (rc)
        goto done;
    /* Little-endian IEEE and integers are the native types here: the bytes
     * read are the bytes stored. */
    hid_t mem = H5Tget_native_type(tx, H5T_DIR_DEFAULT);
    size_t n = (size_t)H5Sget_simple_extent_npoints(sx), size = H5Tget_size(mem);
    char *bx = calloc(n + 1, size), *by = calloc(n + 1, size);
    herr_t ex = attr ? H5Aread(x, mem, bx) : H5Dread(x, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, bx);
    herr_t ey = attr ? H5Aread(y, mem, by) : H5Dread(y, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, by);
    if (ex < 0 || ey < 0)
        rc = differs(w, "%s: cannot be read", name);
    else if (!equal(mem, bx, by, n, w->a, w->b))
        rc = differs(w, "%s: the values differ", name);
    if (ex >= 0 && ey >= 0 && H5Tdetect_class(mem, H5T_VLEN) + H5Tis_variable_str(mem) > 0) {
        H5Dvlen_reclaim(mem, sx, H5P_DEFAULT, bx);
        H5Dvlen_reclaim(mem, sy, H5P_DEFAULT, by);
    }
    free(bx);
    free(by);
    H5Tclose(mem);
done:
    H5Tclose(tx), H5Tclose(ty), H5Sclose(sx), H5Sclose(sy);
    return rc;
}

static int excluded(const struct walk *w, const char *obj, const char *attr)
{
    if (strcmp(obj, "."))
        return 0;
    for (int k = 0; k < w->n_excluded; k++)
        if (!strcmp(w->excluded[k], attr))
            return 1;
    return 0;
}

/* The attributes of object obj: the same names, the same values. */
static int same_attributes(struct walk *w, const char *obj)
{
    H5O_info_t ia, ib;
    if (H5Oget_info_by_name(w->a, obj, &ia, H5P_DEFAULT) < 0 ||
        H5Oget_info_by_name(w->b, obj, &ib, H5P_DEFAULT) < 0)
        return differs(w, "%s: cannot be opened in both", obj);
    if (ia.type != ib.type)
        return differs(w, "%s: is a group in one file and not in the other", obj);
    if (ia.num_attrs != ib.num_attrs)
        return differs(w, "%s: a different number of attributes", obj);
    for (hsize_t k = 0; k < ia.num_attrs; k++) {
        char name[256], full[1400];
        H5Aget_name_by_idx(w->a, obj, H5_INDEX_NAME, H5_ITER_INC, k, name, sizeof name,
                           H5P_DEFAULT);
        snprintf(full, sizeof full, "%s@%s", obj, name);
        if (excluded(w, obj, name))
            continue;
        if (H5Aexists_by_name(w->b, obj, name, H5P_DEFAULT) <= 0)
            return differs(w, "%s: missing in the second file", full);
        hid_t x = H5Aopen_by_name(w->a, obj, name, H5P_DEFAULT, H5P_DEFAULT);
        hid_t y = H5Aopen_by_name(w->b, obj, name, H5P_DEFAULT, H5P_DEFAULT);
        int rc = same_values(w, x, y, 1, full);
        H5Aclose(x), H5Aclose(y);
        if (rc)
            return rc;
        w->attributes++;
    }
    return 0;
}

/* Called for every path of the first file; datasets compared here. */
static herr_t visit(hid_t root, const char *name, const H5O_info_t *info, void *data)
{
    (void)root;
    struct walk *w = data;
    if (strcmp(name, ".") && H5Lexists(w->b, name, H5P_DEFAULT) <= 0)
        return differs(w, "%s: missing in the second file", name);
    if (same_attributes(w, name))
        return -1;
    if (info->type != H5O_TYPE_DATASET)
        return 0;
    hid_t x = H5Dopen2(w->a, name, H5P_DEFAULT), y = H5Dopen2(w->b, name, H5P_DEFAULT);
    int rc = same_values(w, x, y, 0, name);
    H5Dclose(x), H5Dclose(y);
    w->datasets += rc == 0;
    return rc;
}

/* Counts the objects of a file (so B has nothing that A lacks). */
static herr_t count(hid_t root, const char *name, const H5O_info_t *info, void *data)
{
    (void)root, (void)name, (void)info;
    ++*(long *)data;
    return 0;
}

int main(int argc, char **argv)
{
    struct walk w = {0};
    int i = 1;
    for (; i + 1 < argc && !strcmp(argv[i], "-x") && w.n_excluded < MAX_EXCLUDED; i += 2)
        w.excluded[w.n_excluded++] = argv[i + 1];
    if (argc - i != 2) {
        fprintf(stderr, "usage: h5same [-x ROOT_ATTR]... A.h5 B.h5\n");
        return 2;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    w.a = H5Fopen(argv[i], H5F_ACC_RDONLY, H5P_DEFAULT);
    w.b = H5Fopen(argv[i + 1], H5F_ACC_RDONLY, H5P_DEFAULT);
    if (w.a < 0 || w.b < 0) {
        fprintf(stderr, "h5same: cannot open %s as HDF5\n", argv[w.a < 0 ? i : i + 1]);
        return 2;
    }
    long na = 0, nb = 0;
    H5Ovisit(w.a, H5_INDEX_NAME, H5_ITER_INC, count, &na);
    H5Ovisit(w.b, H5_INDEX_NAME, H5_ITER_INC, count, &nb);
    if (na != nb)
        differs(&w, "%s: the files hold different numbers of objects", argv[i + 1]);
    else
        H5Ovisit(w.a, H5_INDEX_NAME, H5_ITER_INC, visit, &w);
    H5Fclose(w.a);
    H5Fclose(w.b);
    if (w.differ) {
        fprintf(stderr, "h5same: %s differs from %s: %s\n", argv[i + 1], argv[i], w.what);
        return 1;
    }
    printf("h5same: %ld datasets and %ld attributes identical\n", w.datasets, w.attributes);
    return 0;
}

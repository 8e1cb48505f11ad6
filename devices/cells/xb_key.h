/*
 * xb_key.h — the one spec type of every configurable value: device
 * parameters, engine keys (xbar.*), experiment keys (data.*, train.*,
 * sweep.*) and layer fields (ARCHITECTURE.md, "how to add a key").
 *
 * A row says what a key is (name, type, unit, valid range, default, one
 * line of help, where the default comes from) and where its value lives
 * (an offset into the struct the table describes, with the storage type,
 * or a custom setter/getter for the few values that are not one field).
 * Generic code parses, range-checks, formats and lists values from the
 * rows alone, so adding a key is one row plus the code that uses it. The
 * rows live beside what they describe: device parameters in devices/,
 * layer fields in models/, engine and experiment keys in sim/ (which also
 * walks libconfig files with them, sim/config/xb_cfgfile.h).
 *
 * A device table's rows are XB_KEY_ROW(name, unit, def, min, max, type,
 * help, source), so the table reads as a table. A device row
 * stores a double (storage 0) at index i of struct xb_device.p; its
 * offset is 0 relative to that slot.
 */
#ifndef XB_KEY_H
#define XB_KEY_H

#include <stddef.h>

#include "xb_ctx.h"

enum xb_key_type {
    XB_KEY_REAL = 0, /* a finite number in [min, max] */
    XB_KEY_INT = 1,  /* an integer in [min, max] */
    XB_KEY_BOOL,     /* true or false (1 or 0) */
    XB_KEY_ENUM,     /* one of choices[min..max] (all when min = max = 0); stored as the index */
    XB_KEY_STRING,   /* text stored in char[size] */
    XB_KEY_REALS,    /* a list of numbers in [min, max]: double[size], count at a size_t */
    XB_KEY_CUSTOM    /* parsed, formatted and described by custom */
};

/* How a numeric value (REAL, INT, BOOL, ENUM) is stored. */
enum xb_key_store {
    XB_STORE_DOUBLE = 0, /* double (device parameters: the value array) */
    XB_STORE_INT,        /* int, or an enum (C11 6.7.2.2: compatible with an int type) */
    XB_STORE_SIZE,       /* size_t */
    XB_STORE_U32         /* uint32_t */
};

enum {
    XB_KEY_MAX_OPEN = 1 << 0,     /* REAL: the range is [min, max) */
    XB_KEY_OMIT_DEFAULT = 1 << 1, /* written only when not at its default */
    XB_KEY_ALIAS = 1 << 2,        /* another name of a row's field: never written */
    XB_KEY_NEGATE = 1 << 3        /* BOOL: the field holds the negation (gemm: 0 = portable) */
};

struct xb_key;

/* A value that is not one field (e.g. adc_range: a calibration kind and a
 * number). set returns XB_EINVAL/XB_ERANGE with a message naming origin. */
struct xb_key_custom {
    enum xb_status (*set)(struct xb_ctx *ctx, const struct xb_key *k, void *base,
                          const char *text, const char *origin);
    void (*get)(const struct xb_key *k, const void *base, char *buf, size_t size);
    /* 1 if the value in base is written to a config file as a number
     * (unquoted), 0 as a string. */
    int (*numeric)(const struct xb_key *k, const void *base);
    const char *expected; /* "max, pNN (...) or a positive number" */
};

struct xb_key {
    const char *name;   /* [a-z0-9_]+ */
    const char *unit;   /* "uS", "s", "bits", "1" or "" (dimensionless) */
    double def;         /* default of REAL, INT, BOOL (0/1), ENUM (index) */
    double min, max;    /* valid closed range (ENUM: of the index) */
    enum xb_key_type type;
    const char *help;   /* one line: what it means */
    const char *source; /* where the default comes from (a paper, a datasheet, "xbar") */
    /* Where it lives. */
    size_t offset;                  /* of the field in the described struct */
    enum xb_key_store store;        /* numeric storage */
    size_t size;                    /* STRING: buffer size; REALS: capacity */
    size_t count;                   /* REALS: offset of the size_t count */
    const char *const *choices;     /* ENUM: names, NULL-terminated, index = value */
    const char *def_text;           /* STRING, REALS, CUSTOM: the default as text */
    unsigned flags;                 /* XB_KEY_* above */
    /* The table's own qualifier: a group ("train") for experiment keys,
     * the layer kinds that use a field ("conv2d maxpool") for layer rows. */
    const char *group;
    /* XB_KEY_OMIT_DEFAULT rows: 1 if the key is written at its default
     * all the same (data.steps of a stroke data set); NULL: never. */
    int (*written)(const void *base);
    const struct xb_key_custom *custom;
};

/* A row of the eight positional fields (a device table's row). */
#define XB_KEY_ROW(name_, unit_, def_, min_, max_, type_, help_, source_)                    \
    {.name = (name_), .unit = (unit_), .def = (def_), .min = (min_), .max = (max_),          \
     .type = (type_), .help = (help_), .source = (source_)}

/* The row of table t[n] called name (in group when group is not NULL), or
 * NULL. */
const struct xb_key *xb_key_find(const struct xb_key *t, size_t n, const char *group,
                                 const char *name);

/* "a, b, c": the names of the rows of group (all when NULL), aliases
 * included, in table order. */
void xb_key_names(const struct xb_key *t, size_t n, const char *group, char *buf, size_t size);

/* Parses text strictly (the whole text is the value; numbers finite and in
 * range) and stores it in base. Errors read "origin: expected <what>"
 * (xb_key_expected), XB_EINVAL for a malformed text, XB_ERANGE for a number
 * out of range. */
enum xb_status xb_key_set(struct xb_ctx *ctx, const struct xb_key *k, void *base,
                          const char *text, const char *origin);

/* Sets every row of t[n] to its default. */
void xb_key_defaults(const struct xb_key *t, size_t n, void *base);

/* The value of k in base as text: "8", "0.25", "true", "max", "mnist",
 * "0,0.5,1" (REALS; what xb_key_set reads back). Numbers are the shortest
 * decimal that reads back exactly. */
void xb_key_get(const struct xb_key *k, const void *base, char *buf, size_t size);

/* 1 if the value of k in base equals its default. */
int xb_key_at_default(const struct xb_key *k, const void *base);

/* What k accepts: "an integer in [0, 24]", "a number in [0, 1)", "true or
 * false", "one of layer, column", ... */
void xb_key_expected(const struct xb_key *k, char *buf, size_t size);

/* A numeric value of k (REAL, INT, BOOL, ENUM) as a double, and stored. */
double xb_key_load(const struct xb_key *k, const void *base);
void xb_key_store(const struct xb_key *k, void *base, double v);

/* Strict number parsing shared by every front end: 1 on success (the whole
 * text is the number, finite; for _long an integer that fits a long). */
int xb_parse_double(const char *text, double *out);
int xb_parse_long(const char *text, long *out);

/* Shortest decimal text that reads back as exactly v (whole numbers as
 * such: 3600, not 3.6e+03). */
void xb_key_format_double(double v, char *buf, size_t size);

#endif

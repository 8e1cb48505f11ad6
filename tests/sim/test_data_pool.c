/* sim/data/xb_data_pool.c: a set's two parts pooled and split anew in
 * train / validation / test (data.split, paper 000's 7 : 2 : 1), with and
 * without data.limit. Every image carries its pool index in its first
 * pixel, so the parts' sizes, disjointness and cover are read off exactly;
 * the class counts of each part against the stratified quotas; the same
 * seed gives the same bytes, another seed another test part; bad fractions
 * and shapes are refused, naming the key. */
#include <criterion/criterion.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_data.h"

static struct xb_ctx *ctx;
static void setup(void) { ctx = xb_ctx_create(NULL); }
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(pool, .init = setup, .fini = teardown);

enum { NA = 1700, NB = 300, N = NA + NB, CLASSES = 10, DIM = 4 };

/* Image k of the pool (a's then b's): pixel 0 = k, class k % 10 for a and
 * 3·i % 10 for b's image i, so the two parts' class orders differ and the
 * pool has 170 + 30 images of each class. */
static struct xb_dataset *part(size_t n, size_t first, const char *name)
{
    struct xb_dataset *ds = xb_dataset_create(n, 1, 1, DIM, CLASSES, name);
    for (size_t i = 0; i < n; i++) {
        const size_t k = first + i;
        for (int j = 0; j < DIM; j++)
            ds->x[i * DIM + (size_t)j] = j ? 0.5f : (float)k;
        ds->y[i] = (uint8_t)(first ? (i * 3) % CLASSES : k % CLASSES);
    }
    return ds;
}

struct split {
    struct xb_dataset *p[3]; /* train, val, test */
};

static void split(const double f[3], size_t limit, uint64_t seed, struct split *s)
{
    struct xb_dataset *a = part(NA, 0, "a"), *b = part(NB, NA, "b");
    cr_assert_eq(xb_dataset_pool_split(ctx, a, b, f, limit, seed, &s->p[0], &s->p[1], &s->p[2]),
                 XB_OK, "%s", xb_ctx_error(ctx));
    /* a and b are left as they were */
    cr_assert(a->n == NA && a->x[DIM] == 1.0f && b->x[0] == (float)NA);
    xb_dataset_free(a);
    xb_dataset_free(b);
}

static void split_free(struct split *s)
{
    for (int k = 0; k < 3; k++)
        xb_dataset_free(s->p[k]);
}

/* Each pool index at most once over the three parts; returns how many. */
static size_t check_disjoint(const struct split *s, const struct xb_dataset *a_and_b_labels)
{
    static uint8_t seen[N];
    memset(seen, 0, sizeof seen);
    size_t total = 0;
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < s->p[k]->n; i++) {
            const float v = s->p[k]->x[i * DIM];
            cr_assert(v >= 0.0f && v < (float)N && v == (float)(size_t)v);
            const size_t idx = (size_t)v;
            cr_assert(!seen[idx], "image %zu in two parts", idx);
            seen[idx] = 1;
            /* the label travels with its image */
            cr_assert_eq(s->p[k]->y[i], a_and_b_labels->y[idx]);
            total++;
        }
    return total;
}

static struct xb_dataset *labels_of_pool(void)
{
    struct xb_dataset *all = xb_dataset_create(N, 1, 1, DIM, CLASSES, "all");
    struct xb_dataset *a = part(NA, 0, "a"), *b = part(NB, NA, "b");
    memcpy(all->y, a->y, NA);
    memcpy(all->y + NA, b->y, NB);
    xb_dataset_free(a);
    xb_dataset_free(b);
    return all;
}

/* 7 : 2 : 1 of 2,000: 1,400 / 400 / 200, every image once, classes in
 * each part as the stratified quota says (the pool has 200 of each class,
 * so exactly 40 per class in validation and 20 in test). */
Test(pool, sizes_cover_and_classes)
{
    const double f[3] = {0.7, 0.2, 0.1};
    struct split s;
    split(f, 0, 3, &s);
    cr_assert_eq(s.p[0]->n, 1400u);
    cr_assert_eq(s.p[1]->n, 400u);
    cr_assert_eq(s.p[2]->n, 200u);
    struct xb_dataset *all = labels_of_pool();
    size_t per[CLASSES] = {0};
    for (size_t i = 0; i < N; i++)
        per[all->y[i]]++;
    for (int c = 0; c < CLASSES; c++)
        cr_assert_eq(per[c], 200u, "the pool's classes are balanced by construction");
    cr_assert_eq(check_disjoint(&s, all), (size_t)N);
    for (int k = 1; k < 3; k++) {
        size_t cnt[CLASSES] = {0};
        for (size_t i = 0; i < s.p[k]->n; i++)
            cnt[s.p[k]->y[i]]++;
        for (int c = 0; c < CLASSES; c++)
            cr_assert_eq(cnt[c], k == 1 ? 40u : 20u, "part %d class %d: %zu", k, c, cnt[c]);
    }
    /* both sources reach every part (the pool is split, not its halves) */
    for (int k = 0; k < 3; k++) {
        int from_b = 0;
        for (size_t i = 0; i < s.p[k]->n; i++)
            from_b |= s.p[k]->x[i * DIM] >= (float)NA;
        cr_assert(from_b, "part %d has no image of the second source", k);
    }
    xb_dataset_free(all);
    split_free(&s);
}

/* The same seed: the same bytes; another seed: another test part. */
Test(pool, deterministic_per_seed)
{
    const double f[3] = {0.7, 0.2, 0.1};
    struct split s1, s2, s3;
    split(f, 0, 3, &s1);
    split(f, 0, 3, &s2);
    split(f, 0, 4, &s3);
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(s1.p[k]->n, s2.p[k]->n);
        cr_assert(!memcmp(s1.p[k]->x, s2.p[k]->x, s1.p[k]->n * DIM * sizeof(float)));
        cr_assert(!memcmp(s1.p[k]->y, s2.p[k]->y, s1.p[k]->n));
    }
    cr_assert(memcmp(s1.p[2]->x, s3.p[2]->x, s1.p[2]->n * DIM * sizeof(float)),
              "seeds 3 and 4 gave the same test part");
    split_free(&s1), split_free(&s2), split_free(&s3);
}

/* data.limit: 1,000 of the 2,000 kept (100 per class), then 7 : 2 : 1:
 * 700 / 200 / 100, disjoint. A limit at or above the pool's size keeps
 * all of it. */
Test(pool, limit_cuts_the_pool_first)
{
    const double f[3] = {0.7, 0.2, 0.1};
    struct split s;
    split(f, 1000, 3, &s);
    cr_assert_eq(s.p[0]->n, 700u);
    cr_assert_eq(s.p[1]->n, 200u);
    cr_assert_eq(s.p[2]->n, 100u);
    struct xb_dataset *all = labels_of_pool();
    cr_assert_eq(check_disjoint(&s, all), 1000u);
    size_t cnt[CLASSES] = {0};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < s.p[k]->n; i++)
            cnt[s.p[k]->y[i]]++;
    for (int c = 0; c < CLASSES; c++)
        cr_assert_eq(cnt[c], 100u, "class %d: %zu kept", c, cnt[c]);
    split_free(&s);
    split(f, N, 3, &s);
    cr_assert_eq(s.p[0]->n + s.p[1]->n + s.p[2]->n, (size_t)N);
    xb_dataset_free(all);
    split_free(&s);
}

Test(pool, refuses_bad_fractions_and_shapes)
{
    struct xb_dataset *a = part(NA, 0, "a"), *b = part(NB, NA, "b");
    struct xb_dataset *tr, *va, *te;
    const double bad[][3] = {{0.7, 0.2, 0.2}, {0.0, 0.5, 0.5}, {1.2, -0.1, -0.1},
                             {0.8, 0.2, 0.0}};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(xb_dataset_pool_split(ctx, a, b, bad[i], 0, 1, &tr, &va, &te), XB_ERANGE);
        cr_assert(!tr && !va && !te);
        cr_assert(strstr(xb_ctx_error(ctx), "data.split"), "%s", xb_ctx_error(ctx));
    }
    const double ok[3] = {0.7, 0.2, 0.1};
    struct xb_dataset *c = xb_dataset_create(10, 1, 2, 2, CLASSES, "c");
    memset(c->y, 0, 10);
    cr_assert_eq(xb_dataset_pool_split(ctx, a, c, ok, 0, 1, &tr, &va, &te), XB_ESHAPE);
    cr_assert(strstr(xb_ctx_error(ctx), "cannot be pooled"), "%s", xb_ctx_error(ctx));
    xb_dataset_free(a), xb_dataset_free(b), xb_dataset_free(c);
}

/* Without a split: a stratified subset of one set, 10 per class of 100;
 * limit 0 or >= n keeps every image in its order. */
Test(pool, limit_of_one_set)
{
    struct xb_dataset *a = part(NA, 0, "a");
    struct xb_dataset *k = xb_dataset_limit(a, 100, 3);
    cr_assert_eq(k->n, 100u);
    size_t cnt[CLASSES] = {0};
    static uint8_t seen[NA];
    for (size_t i = 0; i < k->n; i++) {
        const size_t idx = (size_t)k->x[i * DIM];
        cr_assert(idx < NA && !seen[idx] && k->y[i] == a->y[idx]);
        seen[idx] = 1;
        cnt[k->y[i]]++;
    }
    for (int c = 0; c < CLASSES; c++)
        cr_assert_eq(cnt[c], 10u);
    xb_dataset_free(k);
    /* 0, the set's size or more: every image, in its order. */
    const size_t keep_all[3] = {0, NA, NA + 7};
    for (size_t t = 0; t < 3; t++) {
        k = xb_dataset_limit(a, keep_all[t], 3);
        cr_assert(k->n == NA && !memcmp(k->x, a->x, NA * DIM * sizeof(float)) &&
                      !memcmp(k->y, a->y, NA),
                  "limit %zu", keep_all[t]);
        xb_dataset_free(k);
    }
    xb_dataset_free(a);
}

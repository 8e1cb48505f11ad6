/*
 * test_export.c — sim/report/xb_export: a study result as tidy CSV rows and
 * as one JSON document, read back by a CSV parser (RFC 4180, written here)
 * and by cJSON: every row, column name, axis value and number is what the
 * result holds, to the bit (17 significant digits read back exactly);
 * not-done values are nan / null, an infinite SNR inf / null, and a text
 * value with a comma and a quote survives the quoting.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_ctx.h"
#include "xb_export.h"
#include "xb_study_read.h"

/* 2 axes: device.type {"pcm", "a,\"b\""} (text) x xbar.adc_bits {4, 8};
 * 3 repeats, 2 votes; point 1 not done; point 2's SNR infinite. */
enum { N0 = 2, N1 = 2, POINTS = 4, REP = 3, VOTES = 2, NOT_DONE = 1, SNR_INF = 2 };

static double acc_of(size_t p, size_t r) { return 0.1 * (double)(p + 1) + (double)r / 3.0; }

static void build(struct xb_study_result *r)
{
    memset(r, 0, sizeof *r);
    r->path = xb_strdup("study.h5");
    r->n_axes = 2;
    static const char *const types[N0] = {"pcm", "a,\"b\""};
    struct xb_study_axis *a = &r->axis[0];
    a->key = xb_strdup("device.type");
    a->units = xb_strdup("");
    a->trains = 0;
    a->is_text = 1;
    a->n = N0;
    a->value = xb_malloc(N0, sizeof(double));
    a->label = xb_malloc(N0, sizeof(char *));
    for (size_t i = 0; i < N0; i++) {
        a->value[i] = (double)i;
        a->label[i] = xb_strdup(types[i]);
    }
    a = &r->axis[1];
    a->key = xb_strdup("xbar.adc_bits");
    a->units = xb_strdup("bits");
    a->trains = 0;
    a->n = N1;
    a->value = xb_malloc(N1, sizeof(double));
    a->label = xb_malloc(N1, sizeof(char *));
    for (size_t i = 0; i < N1; i++) {
        a->value[i] = 4.0 + 4.0 * (double)i;
        a->label[i] = xb_strdup(i ? "8" : "4");
    }
    r->n_points = POINTS;
    r->n_repeat = REP;
    r->n_votes = VOTES;
    r->accuracy = xb_malloc(POINTS * REP, sizeof(double));
    r->accuracy_vote = xb_malloc(POINTS * VOTES, sizeof(double));
    r->snr_db = xb_malloc(POINTS, sizeof(double));
    r->energy = xb_malloc(POINTS, sizeof(double));
    r->done = xb_malloc(POINTS, 1);
    for (size_t p = 0; p < POINTS; p++) {
        r->done[p] = p != NOT_DONE;
        for (size_t k = 0; k < REP; k++)
            r->accuracy[p * REP + k] = r->done[p] ? acc_of(p, k) : (double)NAN;
        for (size_t k = 0; k < VOTES; k++)
            r->accuracy_vote[p * VOTES + k] = r->done[p] ? 0.5 + 0.01 * (double)(p + k) : (double)NAN;
        r->snr_db[p] = p == SNR_INF ? (double)INFINITY : 10.0 / 3.0 + (double)p;
        r->energy[p] = 1e-9 / 7.0 * (double)(p + 1);
    }
}

/* ---- a CSV reader (RFC 4180) ------------------------------------------------- */

#define MAX_FIELDS 16
#define MAX_ROWS 32

struct csv {
    size_t rows, cols[MAX_ROWS];
    char field[MAX_ROWS][MAX_FIELDS][64];
};

static void csv_parse(const char *s, struct csv *c)
{
    memset(c, 0, sizeof *c);
    size_t row = 0, col = 0, len = 0;
    int quoted = 0;
    for (; *s; s++) {
        cr_assert_lt(row, MAX_ROWS);
        cr_assert_lt(col, MAX_FIELDS);
        char *f = c->field[row][col];
        if (quoted) {
            if (*s == '"' && s[1] == '"') {
                f[len++] = '"';
                s++;
            } else if (*s == '"') {
                quoted = 0;
            } else {
                f[len++] = *s;
            }
        } else if (*s == '"') {
            quoted = 1;
        } else if (*s == ',') {
            col++, len = 0;
        } else if (*s == '\r' && s[1] == '\n') {
            c->cols[row] = col + 1;
            row++, col = 0, len = 0;
            s++;
        } else {
            cr_assert_neq(*s, '\n', "a bare LF ends a CSV line");
            f[len++] = *s;
        }
        cr_assert_lt(len, 64);
    }
    cr_assert_eq(col, 0, "the last line has no CRLF");
    c->rows = row;
}

static double num(const char *text)
{
    char *end;
    double v = strtod(text, &end);
    cr_assert(*text && !*end, "'%s' is not a number", text);
    return v;
}

static char *capture(int json, const struct xb_study_result *r, const char *prov)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    cr_assert_not_null(f);
    enum xb_status st = json ? xb_export_json(ctx, r, prov, "model = { name = \"m\"; };\n", f)
                             : xb_export_csv(ctx, r, f);
    cr_assert_eq(st, XB_OK, "%s", xb_ctx_error(ctx));
    fclose(f);
    xb_ctx_free(ctx);
    return buf;
}

Test(export, csv_rows_read_back_exactly)
{
    struct xb_study_result r;
    build(&r);
    char *text = capture(0, &r, NULL);
    static struct csv c;
    csv_parse(text, &c);
    cr_assert_eq(c.rows, 1 + POINTS * REP, "%s", text);
    static const char *const head[] = {"device.type [1]", "xbar.adc_bits [bits]", "repeat",
                                       "accuracy [1]", "accuracy_vote_k2 [1]",
                                       "snr_db_measured [dB]", "energy [J]", "done"};
    for (size_t j = 0; j < 8; j++)
        cr_assert_str_eq(c.field[0][j], head[j]);
    for (size_t p = 0, row = 1; p < POINTS; p++)
        for (size_t k = 0; k < REP; k++, row++) {
            cr_assert_eq(c.cols[row], 8);
            cr_assert_str_eq(c.field[row][0], r.axis[0].label[p / N1]);
            cr_assert_eq(num(c.field[row][1]), r.axis[1].value[p % N1]);
            cr_assert_eq(num(c.field[row][2]), (double)k);
            if (p == NOT_DONE) {
                cr_assert_str_eq(c.field[row][3], "nan");
                cr_assert_str_eq(c.field[row][4], "nan");
            } else {
                cr_assert_eq(num(c.field[row][3]), r.accuracy[p * REP + k]);
                cr_assert_eq(num(c.field[row][4]), r.accuracy_vote[p * VOTES + VOTES - 1]);
            }
            if (p == SNR_INF)
                cr_assert_str_eq(c.field[row][5], "inf");
            else
                cr_assert_eq(num(c.field[row][5]), r.snr_db[p]);
            cr_assert_eq(num(c.field[row][6]), r.energy[p]);
            cr_assert_eq(num(c.field[row][7]), p == NOT_DONE ? 0.0 : 1.0);
        }
    /* The mean of a point's accuracy rows is the mean over its repeats. */
    double sum = 0.0;
    for (size_t k = 0; k < REP; k++)
        sum += num(c.field[1 + 2 * REP + k][3]);
    cr_assert_float_eq(sum / REP, (acc_of(2, 0) + acc_of(2, 1) + acc_of(2, 2)) / REP, 1e-15);
    free(text);
    xb_study_result_free(&r);
}

static const cJSON *member(const cJSON *o, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    cr_assert_not_null(m, "no member \"%s\"", name);
    return m;
}

Test(export, json_document_reads_back_exactly)
{
    struct xb_study_result r;
    build(&r);
    char *text = capture(1, &r, "xbar_version: 0.1.0\nseed: 7\ncommand_line: xbar sweep a: b\n");
    cJSON *doc = cJSON_Parse(text);
    cr_assert_not_null(doc, "not JSON:\n%s", text);
    cr_assert_str_eq(member(doc, "file")->valuestring, "study.h5");
    const cJSON *prov = member(doc, "provenance");
    cr_assert_str_eq(member(prov, "seed")->valuestring, "7");
    cr_assert_str_eq(member(prov, "command_line")->valuestring, "xbar sweep a: b");
    cr_assert(strstr(member(doc, "config")->valuestring, "name = \"m\""));
    const cJSON *axes = member(doc, "axes");
    cr_assert_eq(cJSON_GetArraySize(axes), 2);
    const cJSON *a1 = cJSON_GetArrayItem(axes, 1);
    cr_assert_str_eq(member(a1, "key")->valuestring, "xbar.adc_bits");
    cr_assert_str_eq(member(a1, "units")->valuestring, "bits");
    cr_assert(cJSON_IsFalse(member(a1, "trains")));
    cr_assert_eq(cJSON_GetArrayItem(member(a1, "values"), 1)->valuedouble, 8.0);
    cr_assert_str_eq(cJSON_GetArrayItem(member(cJSON_GetArrayItem(axes, 0), "values"), 1)
                         ->valuestring, "a,\"b\"");
    const cJSON *rows = member(doc, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), POINTS * REP);
    for (size_t p = 0; p < POINTS; p++)
        for (size_t k = 0; k < REP; k++) {
            const cJSON *o = cJSON_GetArrayItem(rows, (int)(p * REP + k));
            cr_assert_str_eq(member(o, "device.type [1]")->valuestring,
                             r.axis[0].label[p / N1]);
            cr_assert_eq(member(o, "xbar.adc_bits [bits]")->valuedouble,
                         r.axis[1].value[p % N1]);
            cr_assert_eq(member(o, "repeat")->valuedouble, (double)k);
            const cJSON *acc = member(o, "accuracy [1]"), *snr = member(o, "snr_db_measured [dB]");
            if (p == NOT_DONE)
                cr_assert(cJSON_IsNull(acc) && cJSON_IsNull(member(o, "accuracy_vote_k2 [1]")));
            else
                cr_assert_eq(acc->valuedouble, r.accuracy[p * REP + k]);
            if (p == SNR_INF)
                cr_assert(cJSON_IsNull(snr));
            else
                cr_assert_eq(snr->valuedouble, r.snr_db[p]);
            cr_assert_eq(member(o, "energy [J]")->valuedouble, r.energy[p]);
            cr_assert_eq(member(o, "done")->valuedouble, p == NOT_DONE ? 0.0 : 1.0);
        }
    cJSON_Delete(doc);
    free(text);
    xb_study_result_free(&r);
}

/*
 * xb_export.c — tidy rows of a sweep or study result (xb_export.h).
 */
#include "xb_export.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"

/* The value of a point-wide quantity, NaN where the point is not done. */
static double vote_of(const struct xb_study_result *r, size_t p)
{
    if (!r->accuracy_vote || !r->done[p])
        return (double)NAN;
    return r->accuracy_vote[p * r->n_votes + r->n_votes - 1];
}

static double energy_of(const struct xb_study_result *r, size_t p)
{
    return r->energy ? r->energy[p] : (double)NAN;
}

/* The axis indices of flat point p (the last axis fastest). */
static void coords(const struct xb_study_result *r, size_t p, size_t *idx)
{
    for (size_t k = r->n_axes; k-- > 0;) {
        idx[k] = p % r->axis[k].n;
        p /= r->axis[k].n;
    }
}

static void column_name(const struct xb_study_axis *a, char *buf, size_t n)
{
    snprintf(buf, n, "%s [%s]", a->key, a->units[0] ? a->units : "1");
}

/* ---- CSV --------------------------------------------------------------------- */

static void csv_text(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_number(FILE *f, double v)
{
    if (isnan(v))
        fputs("nan", f);
    else if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    else
        fprintf(f, "%.17g", v);
}

enum xb_status xb_export_csv(struct xb_ctx *ctx, const struct xb_study_result *r, FILE *f)
{
    char name[160];
    for (size_t k = 0; k < r->n_axes; k++) {
        column_name(&r->axis[k], name, sizeof name);
        csv_text(f, name);
        fputc(',', f);
    }
    fprintf(f, "repeat,accuracy [1],accuracy_vote_k%zu [1],snr_db_measured [dB],energy [J],"
            "done\r\n", r->n_votes);
    size_t idx[XB_STUDY_MAX_AXES];
    for (size_t p = 0; p < r->n_points; p++) {
        coords(r, p, idx);
        for (size_t rep = 0; rep < r->n_repeat; rep++) {
            for (size_t k = 0; k < r->n_axes; k++) {
                const struct xb_study_axis *a = &r->axis[k];
                if (a->is_text)
                    csv_text(f, a->label[idx[k]]);
                else
                    csv_number(f, a->value[idx[k]]);
                fputc(',', f);
            }
            fprintf(f, "%zu,", rep);
            csv_number(f, r->done[p] ? r->accuracy[p * r->n_repeat + rep] : (double)NAN);
            fputc(',', f);
            csv_number(f, vote_of(r, p));
            fputc(',', f);
            csv_number(f, r->snr_db[p]);
            fputc(',', f);
            csv_number(f, energy_of(r, p));
            fprintf(f, ",%d\r\n", r->done[p] ? 1 : 0);
        }
    }
    if (fflush(f) != 0 || ferror(f))
        return xb_error(ctx, XB_EIO, "cannot write the CSV rows");
    return XB_OK;
}

/* ---- JSON -------------------------------------------------------------------- */

/* A number as JSON with 17 significant digits, null where it is not
 * finite. cJSON's own printer writes 15 digits whenever they read back
 * within its comparison's tolerance, which is not the same double: the
 * rows must read back to the bits the file holds, so numbers go in as
 * raw text. */
static cJSON *exact(double v)
{
    if (!isfinite(v))
        return cJSON_CreateNull();
    char buf[32];
    snprintf(buf, sizeof buf, "%.17g", v);
    return cJSON_CreateRaw(buf);
}

static void add_number(cJSON *o, const char *name, double v)
{
    cJSON_AddItemToObject(o, name, exact(v));
}

/* "key: value" lines as members of a new object. */
static cJSON *provenance_object(const char *prov)
{
    cJSON *o = cJSON_CreateObject();
    for (const char *line = prov; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *colon = memchr(line, ':', len);
        if (colon && colon > line) {
            size_t klen = (size_t)(colon - line);
            char *key = xb_malloc(klen + 1, 1), *value = xb_malloc(len - klen + 1, 1);
            memcpy(key, line, klen);
            key[klen] = '\0';
            const char *v = colon + 1 + (colon + 1 < line + len && colon[1] == ' ');
            size_t vlen = (size_t)(line + len - v);
            memcpy(value, v, vlen);
            value[vlen] = '\0';
            cJSON_AddItemToObject(o, key, cJSON_CreateString(value));
            xb_free(key);
            xb_free(value);
        }
        line = end ? end + 1 : line + len;
    }
    return o;
}

static cJSON *axes_array(const struct xb_study_result *r)
{
    cJSON *axes = cJSON_CreateArray();
    for (size_t k = 0; k < r->n_axes; k++) {
        const struct xb_study_axis *a = &r->axis[k];
        cJSON *o = cJSON_CreateObject(), *values = cJSON_CreateArray();
        cJSON_AddItemToObject(o, "key", cJSON_CreateString(a->key));
        cJSON_AddItemToObject(o, "units", cJSON_CreateString(a->units[0] ? a->units : "1"));
        cJSON_AddItemToObject(o, "trains", cJSON_CreateBool(a->trains));
        for (size_t i = 0; i < a->n; i++)
            cJSON_AddItemToArray(values, a->is_text ? cJSON_CreateString(a->label[i])
                                                    : exact(a->value[i]));
        cJSON_AddItemToObject(o, "values", values);
        cJSON_AddItemToArray(axes, o);
    }
    return axes;
}

static cJSON *rows_array(const struct xb_study_result *r)
{
    cJSON *rows = cJSON_CreateArray();
    char name[160], vote[48];
    snprintf(vote, sizeof vote, "accuracy_vote_k%zu [1]", r->n_votes);
    size_t idx[XB_STUDY_MAX_AXES];
    for (size_t p = 0; p < r->n_points; p++) {
        coords(r, p, idx);
        for (size_t rep = 0; rep < r->n_repeat; rep++) {
            cJSON *o = cJSON_CreateObject();
            for (size_t k = 0; k < r->n_axes; k++) {
                const struct xb_study_axis *a = &r->axis[k];
                column_name(a, name, sizeof name);
                cJSON_AddItemToObject(o, name, a->is_text
                                                   ? cJSON_CreateString(a->label[idx[k]])
                                                   : exact(a->value[idx[k]]));
            }
            cJSON_AddItemToObject(o, "repeat", cJSON_CreateNumber((double)rep));
            add_number(o, "accuracy [1]",
                       r->done[p] ? r->accuracy[p * r->n_repeat + rep] : (double)NAN);
            add_number(o, vote, vote_of(r, p));
            add_number(o, "snr_db_measured [dB]", r->snr_db[p]);
            add_number(o, "energy [J]", energy_of(r, p));
            cJSON_AddItemToObject(o, "done", cJSON_CreateNumber(r->done[p] ? 1.0 : 0.0));
            cJSON_AddItemToArray(rows, o);
        }
    }
    return rows;
}

enum xb_status xb_export_json(struct xb_ctx *ctx, const struct xb_study_result *r,
                              const char *prov, const char *config, FILE *f)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddItemToObject(doc, "file", cJSON_CreateString(r->path ? r->path : ""));
    cJSON_AddItemToObject(doc, "provenance", provenance_object(prov));
    cJSON_AddItemToObject(doc, "config", config ? cJSON_CreateString(config) : cJSON_CreateNull());
    cJSON_AddItemToObject(doc, "axes", axes_array(r));
    cJSON_AddItemToObject(doc, "rows", rows_array(r));
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!text)
        return xb_error(ctx, XB_EIO, "cJSON could not print the document");
    int bad = fputs(text, f) < 0 || fputc('\n', f) == EOF || fflush(f) != 0 || ferror(f);
    cJSON_free(text);
    return bad ? xb_error(ctx, XB_EIO, "cannot write the JSON document") : XB_OK;
}

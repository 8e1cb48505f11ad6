/*
 * xb_export.h — a sweep or study result as tidy rows for spreadsheets and
 * scripts (issue 13, item 4; `xbar info FILE.h5 --csv | --json`).
 *
 * One row per grid point and repeat, in the order of /study (row-major
 * over the axes, the last fastest; then the repeats):
 *   one column per axis, named "KEY [UNITS]" ("xbar.adc_bits [bits]",
 *   "sweep.sigma_test [1]"), holding the axis value (the text of a string
 *   axis), then
 *   repeat           0 .. n_repeat - 1
 *   accuracy [1]     that repeat's accuracy without voting
 *   accuracy_vote_kK [1]   the point's majority of all K votes
 *   snr_db_measured [dB], energy [J]   the point's
 *   done             1 where the point is complete
 * Not-done and unmeasured values are "nan" in CSV and null in JSON; an
 * infinite SNR is "inf" in CSV and null in JSON (JSON has no infinity).
 * Numbers are written with 17 significant digits, so they read back to
 * the same doubles.
 *
 * CSV (RFC 4180): a header line, then the rows; a field with a comma, a
 * quote or a line break is quoted. JSON (through cJSON): an object with
 * "file", "provenance" (the key: value lines of xbar info as members),
 * "config" (the resolved configuration text), "axes" (key, units, trains,
 * values) and "rows" (objects with the CSV's columns as members).
 */
#ifndef XB_EXPORT_H
#define XB_EXPORT_H

#include <stdio.h>

#include "xb_ctx.h"
#include "xb_study_read.h"

/* Writes r's rows as CSV to f. XB_EIO if a write fails. */
enum xb_status xb_export_csv(struct xb_ctx *ctx, const struct xb_study_result *r, FILE *f);

/* Writes r as the JSON document to f; prov: xb_provenance_text's lines,
 * config: the /config text (either may be NULL). XB_EIO if a write
 * fails. */
enum xb_status xb_export_json(struct xb_ctx *ctx, const struct xb_study_result *r,
                              const char *prov, const char *config, FILE *f);

#endif

/*
 * xb_study_text.h — a study's /study view as xbar info prints it: its axes
 * (key, units, whether it trains, values), then one row per point with the
 * mean accuracy over repeats, the voted accuracy at K = all votes, the
 * measured SNR and the energy per inference (sim/io/xb_study_read.h).
 */
#ifndef XB_STUDY_TEXT_H
#define XB_STUDY_TEXT_H

#include "xb_study_read.h"

/* Rows beyond this many points are summarised in one line. */
#define XB_STUDY_TEXT_MAX_ROWS 200

/* 1 if r is more than a plain sweep's two axes (sigma_train, then
 * sigma_test or t): a study group made it. */
int xb_study_is_study(const struct xb_study_result *r);

/* The text (xb_free). */
char *xb_study_text(const struct xb_study_result *r);

#endif

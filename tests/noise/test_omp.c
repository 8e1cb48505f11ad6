/*
 * test_omp.c — the OpenMP runtime queries of noise/xb_omp.h, outside and
 * inside parallel regions. xb_sgemm's one-thread promise (devices/engine/xb_sgemm.h)
 * rests on xb_omp_in_parallel telling an active team from a team of one,
 * and per-thread scratch on xb_omp_thread_num and xb_omp_threads_for.
 */
#include <criterion/criterion.h>
#include <omp.h>
#include <signal.h>

#include "xb_omp.h"

Test(omp, outside_a_region)
{
    cr_assert_eq(xb_omp_in_parallel(), 0);
    cr_assert_eq(xb_omp_thread_num(), 0);
    cr_assert_eq(xb_omp_max_threads(), omp_get_max_threads());
}

/* A team of one is not "in parallel": a GEMM called there must lower the
 * thread count itself (xb_sgemm). */
Test(omp, team_of_one)
{
    int in = -1, num = -1;
#pragma omp parallel num_threads(1) default(none) shared(in, num)
    {
        in = xb_omp_in_parallel();
        num = xb_omp_thread_num();
    }
    cr_assert_eq(in, 0, "a team of one counted as parallel");
    cr_assert_eq(num, 0);
}

/* In a team of two each thread has its own number, 0 and 1, and is in
 * parallel; in a region nested inside (inactive under OpenMP's default of
 * one active level) the thread is number 0 of its own team of one, still
 * inside the outer active region. */
Test(omp, team_of_two_and_nested)
{
    int seen[2] = {0, 0}, in[2] = {0, 0}, team = 0, nested_num[2] = {-1, -1},
        nested_in[2] = {0, 0}, nested_team[2] = {0, 0};
#pragma omp parallel num_threads(2) default(none) \
    shared(seen, in, team, nested_num, nested_in, nested_team)
    {
        const int t = xb_omp_thread_num();
#pragma omp single
        team = omp_get_num_threads();
        if (t >= 0 && t < 2 && t == omp_get_thread_num()) {
            seen[t]++;
            in[t] = xb_omp_in_parallel();
#pragma omp parallel num_threads(2) default(none) shared(t, nested_num, nested_in, nested_team)
            {
#pragma omp single
                {
                    nested_num[t] = xb_omp_thread_num();
                    nested_in[t] = xb_omp_in_parallel();
                    nested_team[t] = omp_get_num_threads();
                }
            }
        }
    }
    cr_assert_eq(team, 2, "the runtime gave %d threads", team);
    for (int t = 0; t < 2; t++) {
        cr_assert_eq(seen[t], 1, "thread number %d seen %d times", t, seen[t]);
        cr_assert_eq(in[t], 1, "thread %d of an active team not in parallel", t);
        cr_assert_eq(nested_in[t], 1, "thread %d: a nested region left the outer one", t);
        if (nested_team[t] == 1)
            cr_assert_eq(nested_num[t], 0);
    }
}

/* Setting the thread count changes this task's ICV: regions opened later,
 * and the threads_for clamp, follow it; a thread of a team setting its own
 * leaves the caller's alone. */
Test(omp, set_threads_and_threads_for)
{
    const int saved = omp_get_max_threads();
    xb_omp_set_threads(3);
    cr_assert_eq(xb_omp_max_threads(), 3);
    cr_assert_eq(xb_omp_threads_for(1), 1);
    cr_assert_eq(xb_omp_threads_for(3), 3);
    cr_assert_eq(xb_omp_threads_for(64), 3);
    int team = 0;
#pragma omp parallel default(none) shared(team)
    {
#pragma omp single
        team = omp_get_num_threads();
        xb_omp_set_threads(1);
    }
    cr_assert_eq(team, 3);
    cr_assert_eq(xb_omp_max_threads(), 3, "a team's setting leaked to its caller");
    xb_omp_set_threads(saved);
    cr_assert_eq(xb_omp_max_threads(), saved);
}

Test(omp, set_threads_below_one_aborts, .signal = SIGABRT) { xb_omp_set_threads(0); }

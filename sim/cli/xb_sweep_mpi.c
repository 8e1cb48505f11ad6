/* xb_mpi.h with MPI: rank 0 coordinates and writes, every rank works. */
#include <limits.h>
#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xb_alloc.h"
#include "xb_mpi.h"
#include "xb_omp.h"
#include "xb_sweep.h"

enum { TAG_TO_RANK0 = 1, TAG_TO_WORKER = 2 };
enum { MSG_WORK, MSG_STOP, MSG_ABORT };

/* A rank waiting for a message sleeps this long between looks (ns):
 * short next to any unit of work, and no core spent spinning, which
 * matters when ranks share cores (--oversubscribe). */
static const struct timespec nap = {0, 500000};

enum xb_status xb_mpi_begin(struct xb_ctx *ctx)
{
    int provided;
    /* Rank 0 runs a worker thread beside the coordinator, both calling MPI. */
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
        return xb_error(ctx, XB_EIO, "MPI_Init_thread failed (started as %d ranks by %s)",
                        xb_mpi_launched(), xb_mpi_launcher());
    return XB_OK;
}

static int running(void)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin;
}

void xb_mpi_end(void)
{
    if (running())
        MPI_Finalize();
}

int xb_mpi_rank(void)
{
    int r = 0;
    if (running())
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int xb_mpi_size(void)
{
    int n = 1;
    if (running())
        MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

enum xb_status xb_mpi_agree(struct xb_ctx *ctx, int ok, int *echo)
{
    int all = ok;
    if (echo)
        *echo = 0;
    if (xb_mpi_size() > 1)
        MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (all)
        return XB_OK;
    char said[1024] = ""; /* rank 0's message; a longer one compares on its start */
    if (xb_mpi_size() > 1) {
        if (xb_mpi_rank() == 0 && !ok)
            snprintf(said, sizeof said, "%s", xb_ctx_error(ctx));
        MPI_Bcast(said, (int)sizeof said, MPI_CHAR, 0, MPI_COMM_WORLD);
    }
    if (ok) /* this rank's own error says more; else name who stopped it */
        return xb_error(ctx, XB_EINVAL, "rank %d: stopped because another rank could not "
                        "start the sweep (its message says why)", xb_mpi_rank());
    if (echo && xb_mpi_rank() > 0 && said[0] &&
        !strncmp(said, xb_ctx_error(ctx), sizeof said - 1))
        *echo = 1;
    return XB_EINVAL;
}

/* The next message of tag from source into a new buffer, or NULL when
 * none is waiting (wait: look until one is). */
static void *receive(int source, int tag, int wait, int *from, size_t *bytes)
{
    for (;;) {
        int flag = 0, count = 0;
        MPI_Message m;
        MPI_Status st;
        MPI_Improbe(source, tag, MPI_COMM_WORLD, &flag, &m, &st);
        if (flag) {
            MPI_Get_count(&st, MPI_BYTE, &count);
            void *buf = xb_malloc((size_t)count + 1, 1);
            MPI_Mrecv(buf, count, MPI_BYTE, &m, &st);
            *from = st.MPI_SOURCE;
            *bytes = (size_t)count;
            return buf;
        }
        if (!wait)
            return NULL;
        nanosleep(&nap, NULL);
    }
}

/* ---- a worker (every rank; on rank 0 a thread) ---------------------------
 * To rank 0: int64 {status, capacity, n, n × (point, test)}, then what
 * the units computed (xb_sweep_unit_pack, result 1), or after a failure
 * the message. From rank 0: int64 {kind, n, n × (point, test)}, then the
 * state each unit starts from (result 0). */

/* The bytes of the messages to rank 0 and back for units u: over MPI's
 * int count is an error naming the size, not a crash or a lost message. */
static enum xb_status fits(struct xb_ctx *ctx, struct xb_sweep *s,
                           const struct xb_sweep_unit *u, int n, int result, size_t *bytes)
{
    *bytes = ((result ? 3 : 2) + 2 * (size_t)n) * sizeof(int64_t);
    for (int k = 0; k < n; k++)
        *bytes += xb_sweep_unit_bytes(s, &u[k], result);
    if (*bytes > INT_MAX)
        return xb_error(ctx, XB_ERANGE, "%d units of work need a message of %zu bytes, over "
                        "MPI's limit of %d; run with fewer --threads per rank", n, *bytes,
                        INT_MAX);
    return XB_OK;
}

static void send_results(struct xb_ctx *ctx, struct xb_sweep *s, enum xb_status st, int cap,
                         const struct xb_sweep_unit *u, int n)
{
    size_t head = (3 + 2 * (size_t)n) * sizeof(int64_t), bytes;
    if (!st)
        st = fits(ctx, s, u, n, 1, &bytes);
    const char *msg = xb_ctx_error(ctx);
    if (st)
        bytes = head + strlen(msg) + 1;
    int64_t *h = xb_malloc(bytes, 1);
    h[0] = st, h[1] = cap, h[2] = n;
    for (int k = 0; k < n; k++)
        h[3 + 2 * k] = (int64_t)u[k].point, h[4 + 2 * k] = (int64_t)u[k].test;
    char *b = (char *)h + head;
    for (int k = 0; k < n && !st; k++) {
        xb_sweep_unit_pack(s, &u[k], 1, b);
        b += xb_sweep_unit_bytes(s, &u[k], 1);
    }
    if (st)
        memcpy(b, msg, strlen(msg) + 1);
    MPI_Send(h, (int)bytes, MPI_BYTE, 0, TAG_TO_RANK0, MPI_COMM_WORLD);
    xb_free(h);
}

static enum xb_status work_loop(struct xb_ctx *ctx, struct xb_sweep *s)
{
    int cap = xb_omp_max_threads();
    cap = cap < 1 ? 1 : cap > XB_SWEEP_MAX_UNITS ? XB_SWEEP_MAX_UNITS : cap;
    struct xb_sweep_unit u[XB_SWEEP_MAX_UNITS];
    int n = 0;
    enum xb_status st = XB_OK;
    for (;;) {
        send_results(ctx, s, st, cap, u, n);
        int from;
        size_t bytes;
        int64_t *h = receive(0, TAG_TO_WORKER, 1, &from, &bytes);
        if (h[0] != MSG_WORK) {
            int stop = h[0] == MSG_STOP;
            xb_free(h);
            if (stop || st)
                return st;
            return xb_error(ctx, XB_EINVAL, "rank %d: stopped by rank 0 after an error on "
                            "another rank", xb_mpi_rank());
        }
        n = (int)h[1];
        XB_ASSERT(n > 0 && n <= cap);
        const char *b = (const char *)(h + 2 + 2 * n);
        for (int k = 0; k < n; k++) {
            u[k] = (struct xb_sweep_unit){(size_t)h[2 + 2 * k], (size_t)h[3 + 2 * k]};
            xb_sweep_unit_unpack(s, &u[k], 0, b);
            b += xb_sweep_unit_bytes(s, &u[k], 0);
        }
        XB_ASSERT((size_t)(b - (const char *)h) == bytes);
        xb_free(h);
        st = xb_sweep_run_units(ctx, s, u, n);
    }
}

enum xb_status xb_mpi_sweep_work(struct xb_ctx *ctx, struct xb_sweep *s)
{
    return work_loop(ctx, s);
}

/* Rank 0's worker: its own context and sweep, the threads of the run. */
struct local {
    struct xb_sweep *s;
    int threads;
    uint64_t seed;
};

static void *local_main(void *arg)
{
    struct local *l = arg;
    /* A new thread starts from the runtime's default thread count, not
     * the --threads the main thread set. */
    xb_omp_set_threads(l->threads);
    struct xb_ctx_params cp = {.seed = l->seed, .threads = 0, .log = XB_LOG_QUIET};
    struct xb_ctx *ctx = xb_ctx_create(&cp);
    work_loop(ctx, l->s); /* its errors reach rank 0 as messages */
    xb_ctx_free(ctx);
    return NULL;
}

/* ---- rank 0 --------------------------------------------------------------- */

struct rank {
    int waiting, cap, n;
    struct xb_sweep_unit u[XB_SWEEP_MAX_UNITS]; /* in its hands */
    void *sent;                                 /* until req completes */
    MPI_Request req;
};

struct serve {
    struct xb_sweep *s;
    uint8_t *busy;
    struct rank *r;
    int size, active, dirty;
    enum xb_status failed;
    char msg[1024];
};

/* kind to rank `to`, with its units' states for MSG_WORK (their size
 * checked by assign). */
static void post(struct serve *sv, int to, int kind)
{
    struct rank *r = &sv->r[to];
    if (r->sent) {
        MPI_Wait(&r->req, MPI_STATUS_IGNORE);
        xb_free(r->sent);
    }
    int n = kind == MSG_WORK ? r->n : 0;
    size_t head = (2 + 2 * (size_t)n) * sizeof(int64_t), bytes = head;
    for (int k = 0; k < n; k++)
        bytes += xb_sweep_unit_bytes(sv->s, &r->u[k], 0);
    int64_t *h = xb_malloc(bytes, 1);
    h[0] = kind, h[1] = n;
    char *b = (char *)h + head;
    for (int k = 0; k < n; k++) {
        h[2 + 2 * k] = (int64_t)r->u[k].point, h[3 + 2 * k] = (int64_t)r->u[k].test;
        xb_sweep_unit_pack(sv->s, &r->u[k], 0, b);
        b += xb_sweep_unit_bytes(sv->s, &r->u[k], 0);
    }
    r->sent = h;
    MPI_Isend(h, (int)bytes, MPI_BYTE, to, TAG_TO_WORKER, MPI_COMM_WORLD, &r->req);
}

/* A waiting rank gets ready units, or stop once there is no work left, or
 * abort after a failure; with nothing ready yet it waits on. */
static void assign(struct xb_ctx *ctx, struct serve *sv, int to)
{
    struct rank *r = &sv->r[to];
    if (!r->waiting)
        return;
    size_t bytes;
    if (!sv->failed && xb_sweep_pending(sv->s)) {
        r->n = (int)xb_sweep_ready(sv->s, sv->busy, r->u, (size_t)r->cap);
        /* Both ways: the states out, what the units computed back. */
        if ((sv->failed = fits(ctx, sv->s, r->u, r->n, 0, &bytes)) ||
            (sv->failed = fits(ctx, sv->s, r->u, r->n, 1, &bytes)))
            snprintf(sv->msg, sizeof sv->msg, "%s", xb_ctx_error(ctx));
    }
    if (sv->failed || !xb_sweep_pending(sv->s)) {
        post(sv, to, sv->failed ? MSG_ABORT : MSG_STOP);
        r->waiting = 0;
        sv->active--;
        return;
    }
    if (r->n == 0)
        return;
    for (int k = 0; k < r->n; k++)
        sv->busy[xb_sweep_unit_id(sv->s, &r->u[k])] = 1;
    post(sv, to, MSG_WORK);
    r->waiting = 0;
}

/* A worker's message: its units' results into the sweep, or its error. */
static void take(struct serve *sv, int from, const int64_t *h, size_t bytes)
{
    struct rank *r = &sv->r[from];
    int n = (int)h[2];
    XB_ASSERT(n == r->n);
    const char *b = (const char *)(h + 3 + 2 * n);
    for (int k = 0; k < n; k++) {
        XB_ASSERT((size_t)h[3 + 2 * k] == r->u[k].point && (size_t)h[4 + 2 * k] == r->u[k].test);
        sv->busy[xb_sweep_unit_id(sv->s, &r->u[k])] = 0;
        if (h[0] == XB_OK) {
            xb_sweep_unit_unpack(sv->s, &r->u[k], 1, b);
            b += xb_sweep_unit_bytes(sv->s, &r->u[k], 1);
        }
    }
    if (h[0] == XB_OK) {
        XB_ASSERT((size_t)(b - (const char *)h) == bytes);
        sv->dirty |= n > 0;
    } else if (!sv->failed) {
        sv->failed = (enum xb_status)h[0];
        snprintf(sv->msg, sizeof sv->msg, "rank %d: %.*s", from,
                 (int)(bytes - (size_t)(b - (const char *)h)), b);
    }
    r->n = 0;
    r->waiting = 1;
    r->cap = h[1] < 1 ? 1 : h[1] > XB_SWEEP_MAX_UNITS ? XB_SWEEP_MAX_UNITS : (int)h[1];
}

enum xb_status xb_mpi_sweep_serve(struct xb_ctx *ctx, struct xb_sweep *s,
                                  struct xb_sweep *local, struct xb_progress *bar)
{
    int level;
    MPI_Query_thread(&level);
    if (level < MPI_THREAD_MULTIPLE)
        local = NULL; /* this MPI cannot take calls from two threads */
    struct serve sv = {.s = s, .busy = xb_calloc(xb_sweep_unit_slots(s), 1),
                       .size = xb_mpi_size()};
    sv.r = xb_calloc((size_t)sv.size, sizeof *sv.r);
    sv.active = sv.size - (local == NULL);
    pthread_t thread;
    struct local l = {.s = local, .threads = xb_omp_max_threads(), .seed = xb_ctx_seed(ctx)};
    if (local && pthread_create(&thread, NULL, local_main, &l) != 0) {
        local = NULL;
        sv.active--;
    }
    while (sv.active > 0) {
        int from;
        size_t bytes;
        int64_t *h = receive(MPI_ANY_SOURCE, TAG_TO_RANK0, 0, &from, &bytes);
        if (!h) {
            nanosleep(&nap, NULL);
            continue;
        }
        take(&sv, from, h, bytes);
        xb_free(h);
        size_t done, total;
        xb_sweep_progress(s, &done, &total);
        xb_progress_update(bar, done, total);
        /* The other ranks get their work before the file is written; this
         * rank's own worker waits for it, so that the save (which may run
         * a forward pass) never shares the cores' threads with a unit. */
        for (int k = 1; k < sv.size; k++)
            assign(ctx, &sv, k);
        if (sv.dirty && !sv.failed && (!local || sv.r[0].waiting)) {
            if ((sv.failed = xb_sweep_save(ctx, s)))
                snprintf(sv.msg, sizeof sv.msg, "%s", xb_ctx_error(ctx));
            sv.dirty = 0;
        }
        if (local)
            assign(ctx, &sv, 0);
    }
    if (local)
        pthread_join(thread, NULL);
    for (int k = 0; k < sv.size; k++)
        if (sv.r[k].sent) {
            MPI_Wait(&sv.r[k].req, MPI_STATUS_IGNORE);
            xb_free(sv.r[k].sent);
        }
    xb_free(sv.r);
    xb_free(sv.busy);
    if (sv.failed)
        return xb_error(ctx, sv.failed, "%s", sv.msg);
    return XB_OK;
}

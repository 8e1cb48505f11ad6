/* xb_mpi.h in a build without MPI (make MPI=0, or no mpicc found): one
 * process; a launch over several ranks is refused rather than run N
 * copies of the same sweep into one file. */
#include "xb_mpi.h"

enum xb_status xb_mpi_begin(struct xb_ctx *ctx)
{
    return xb_error(ctx, XB_EINVAL, "started as %d ranks by %s, but this xbar was built "
                    "without MPI; rebuild with `make MPI=1` (needs Debian's libopenmpi-dev) "
                    "or run it as one process", xb_mpi_launched(), xb_mpi_launcher());
}

void xb_mpi_end(void) {}

int xb_mpi_rank(void) { return 0; }

int xb_mpi_size(void) { return 1; }

enum xb_status xb_mpi_agree(struct xb_ctx *ctx, int ok, int *echo)
{
    (void)ctx;
    if (echo)
        *echo = 0;
    return ok ? XB_OK : XB_EINVAL;
}

enum xb_status xb_mpi_sweep_serve(struct xb_ctx *ctx, struct xb_sweep *s,
                                  struct xb_sweep *local, struct xb_progress *bar)
{
    (void)s, (void)local, (void)bar;
    return xb_mpi_begin(ctx);
}

enum xb_status xb_mpi_sweep_work(struct xb_ctx *ctx, struct xb_sweep *s)
{
    (void)s;
    return xb_mpi_begin(ctx);
}

#include <stdlib.h>

#include "xb_mpi.h"

/* Open MPI's mpirun, MPICH's and Intel's hydra (PMI), and srun's job step. */
static const char *const size_vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
                                        "SLURM_STEP_NUM_TASKS"};

int xb_mpi_launched(void)
{
    for (size_t k = 0; k < sizeof size_vars / sizeof size_vars[0]; k++) {
        const char *v = getenv(size_vars[k]);
        char *end;
        long n = v ? strtol(v, &end, 10) : 0;
        if (v && *end == '\0' && n >= 1 && n <= 1 << 20)
            return (int)n;
    }
    return 1;
}

const char *xb_mpi_launcher(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") ? "mpirun" : "srun";
}

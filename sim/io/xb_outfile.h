/*
 * xb_outfile.h — output paths: checked before the work starts, written
 * through temporaries that never collide (ARCHITECTURE.md §9).
 *
 * The rules, for every file xbar writes (result files, figures):
 *
 * - An output path names a regular file or nothing yet. A directory, FIFO,
 *   device or socket there is refused, never replaced. A symbolic link to a
 *   regular file is written through, as cp(1) does: the new file replaces
 *   the one the link points to and the link stays. A dangling link, or a
 *   link to anything but a regular file, is refused.
 * - Its directory must exist and accept a new file; that is tested by
 *   creating one, since access(2) misses read-only mounts and root ignores
 *   permission bits.
 * - The writes go to a hidden temporary beside the target,
 *   ".STEM.PID-N.tmp": STEM is the target's name, PID the writer's process
 *   id, N the first counter O_EXCL finds free (so a stale file of a dead
 *   process with the same PID is stepped over, never written through).
 *   When that would exceed the directory's NAME_MAX, STEM is the name cut
 *   short plus "~" and 8 hex digits of a hash of the whole name, so every
 *   legal name works.
 * - A killed writer leaves its temporary behind. Creating a temporary for
 *   a target first removes that target's temporaries (this format and the
 *   older ".NAME.PID.tmp") whose PID is not a running process. Those of
 *   running processes, this one included, are left alone. PIDs are those of
 *   this machine: on a directory shared between machines a live writer
 *   elsewhere can lose its temporary, and then fails at its rename with the
 *   target untouched.
 *
 * Nothing here prints; errors name the origin (e.g. "-o out.h5"), the path
 * and the cause. Not thread-safe with itself for one target.
 */
#ifndef XB_OUTFILE_H
#define XB_OUTFILE_H

#include <stddef.h>

#include "xb_ctx.h"

/* Checks, before any work, that a file can be written at path under the
 * rules above, including that a temporary fits beside it (one is created
 * and removed). XB_EINVAL for a path that names a non-regular file or no
 * file name; XB_EIO for a directory that is missing or does not accept a
 * file; both with "origin: path ...: cause". */
enum xb_status xb_outfile_check(struct xb_ctx *ctx, const char *path, const char *origin);

/* Where a file written for path goes: path itself, or the regular file a
 * symbolic link at path points to. Refuses what xb_outfile_check refuses
 * about the path itself. *target is freed with xb_free. */
enum xb_status xb_outfile_target(struct xb_ctx *ctx, const char *path, const char *origin,
                                 char **target);

/* Creates a new, empty temporary beside target (mode 0666 less the umask)
 * after removing the stale ones (rules above). *tmp is its path, freed
 * with xb_free; the file is closed. XB_EIO naming target and the cause. */
enum xb_status xb_outfile_temp(struct xb_ctx *ctx, const char *target, char **tmp);

/* The directory part of path ("." if none), freed with xb_free. */
char *xb_outfile_dir(const char *path);

/* Removes the temporaries of target left by processes that are no longer
 * running; returns how many. */
size_t xb_outfile_clean(const char *target);

#endif

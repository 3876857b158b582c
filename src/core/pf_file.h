/* SPDX-License-Identifier: MIT */
/* pf_file.h - bounded whole-file reads and directory walks
 *
 * Inputs are read whole, with a size limit checked before anything is
 * allocated, so a 50 MB file is refused with a clear message rather than
 * loaded (issue 2, "Bad input").
 */
#ifndef PF_FILE_H
#define PF_FILE_H

#include <stddef.h>

#include "pf_err.h"

/* Default limit on one input file. */
#define PF_FILE_MAX_DEFAULT ((size_t)32 << 20)

/**
 * Read \p path into a new NUL-terminated buffer (caller frees with pf_free).
 * Files over \p max bytes, directories, and unreadable files fail with a
 * message "<path>: <reason>".  "-" reads standard input.
 */
pf_status pf_file_read(const char *path, size_t max, char **buf, size_t *len,
                       struct pf_err *err);

/**
 * Collect the regular files under \p path: \p path itself when it is a
 * file, else every "*.json" file below it (recursively, sorted by name so
 * results never depend on directory order; hidden entries skipped).
 * Unreadable directories are errors.  \p cb is called per file; a non-OK
 * return stops the walk and is returned.
 */
pf_status pf_file_walk(const char *path,
                       pf_status (*cb)(const char *file, void *arg),
                       void *arg, struct pf_err *err);

#endif

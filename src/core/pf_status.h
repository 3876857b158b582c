/* SPDX-License-Identifier: MIT */
/* pf_status.h - the one status enum of preflight, generated from one table
 *
 * Every fallible function returns a pf_status.  Names and messages come from
 * the PF_STATUS_MAP X-macro so a code and its text cannot drift apart
 * (libuv UV_ERRNO_MAP model, STYLE.md convention 4).
 */
#ifndef PF_STATUS_H
#define PF_STATUS_H

#define PF_STATUS_MAP(X)                                              \
  X(OK, "success")                                                    \
  X(ENOMEM, "out of memory")                                          \
  X(EIO, "input/output error")                                        \
  X(ENOENT, "no such file or directory")                              \
  X(EPARSE, "malformed input")                                        \
  X(EINVAL, "invalid value")                                          \
  X(ETOOBIG, "input too large")                                       \
  X(EUSAGE, "usage error")                                            \
  X(ENOTFOUND, "not found")                                           \
  X(EUNSUPPORTED, "unsupported input")                                \
  X(EDUP, "duplicate")

enum pf_status {
#define PF_STATUS_ENUM(name, text) PF_##name,
  PF_STATUS_MAP(PF_STATUS_ENUM)
#undef PF_STATUS_ENUM
  PF_STATUS_MAX
};
typedef enum pf_status pf_status;

/** \return the symbolic name ("PF_EPARSE") of \p s; never NULL. */
const char *pf_errname(pf_status s);
/** \return a short lowercase message for \p s; never NULL. */
const char *pf_strerror(pf_status s);

#endif

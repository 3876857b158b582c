# SPDX-License-Identifier: MIT
# GitRev.cmake - write pf_version.h with the git revision of the source
# tree, run at every build (cmake -P) so `preflight --version` names the
# commit the binary was built from, not the one of the last configure.
# configure_file leaves the file untouched when nothing changed, so an
# unchanged revision rebuilds nothing.
#   cmake -DSRC=<source dir> -DOUT=<pf_version.h> -DVERSION=<x.y.z> -P GitRev.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${SRC}
  OUTPUT_VARIABLE PF_GIT_REV OUTPUT_STRIP_TRAILING_WHITESPACE
  ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR PF_GIT_REV STREQUAL "")
  set(PF_GIT_REV "unknown")
endif()
set(PROJECT_VERSION ${VERSION})
configure_file(${SRC}/src/pf_version.h.in ${OUT} @ONLY)

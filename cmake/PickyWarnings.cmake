# SPDX-License-Identifier: MIT
# The warning list, in one place (curl CMake/PickyWarnings.cmake model).
function(pf_picky_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wcast-qual -Wformat=2
    -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
    -Wwrite-strings -Wundef -Wvla -Wnull-dereference -Wconversion
    -Wno-sign-conversion
    # messages are cut at their buffer size on purpose (snprintf is the
    # bound); GCC's -O2 truncation guesses would only add noise
    $<$<C_COMPILER_ID:GNU>:-Wno-format-truncation>)
  if(PF_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

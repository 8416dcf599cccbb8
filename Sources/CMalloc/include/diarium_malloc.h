#ifndef DIARIUM_MALLOC_H
#define DIARIUM_MALLOC_H

#include <stddef.h>

/// glibc's allocator controls from <malloc.h>, which Swift's Glibc module leaves out. Where the
/// C library is not glibc (macOS, musl) every function does nothing and says so (returns 0).

/// mallopt(M_TRIM_THRESHOLD, trim_threshold) then mallopt(M_MMAP_THRESHOLD, mmap_threshold):
/// freed memory above the heap's top is given back beyond `trim_threshold` bytes, and blocks of
/// `mmap_threshold` bytes or more are mapped on their own (and unmapped when freed). Fixing
/// them also stops glibc raising them as large blocks are freed. Returns 1 when glibc took both
/// values, 0 when it refused one or a value does not fit mallopt's `int` (nothing is set then).
int diarium_malloc_set_thresholds(size_t trim_threshold, size_t mmap_threshold);

/// malloc_trim(0): gives the whole free pages of every arena back to the system. Returns 1
/// when some memory was given back, 0 when none could be (or no glibc).
int diarium_malloc_trim(void);

#endif

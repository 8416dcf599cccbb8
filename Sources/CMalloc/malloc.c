#include "diarium_malloc.h"

// Any C library header defines __GLIBC__ on glibc (through <features.h>).
#include <limits.h>
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int diarium_malloc_set_thresholds(size_t trim_threshold, size_t mmap_threshold) {
#if defined(__GLIBC__)
    if (trim_threshold > (size_t)INT_MAX || mmap_threshold > (size_t)INT_MAX) return 0;
    return mallopt(M_TRIM_THRESHOLD, (int)trim_threshold) == 1 && mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) == 1;
#else
    (void)trim_threshold;
    (void)mmap_threshold;
    return 0;
#endif
}

int diarium_malloc_trim(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}

// CPrefetch: a cache prefetch hint for Swift (which has none); static inline, so Swift inlines it to one instruction.
#ifndef SEGCHECK_PREFETCH_H
#define SEGCHECK_PREFETCH_H

/// Asks the CPU to start loading the cache line holding `p` (for reading, keep in all cache levels). Never faults.
static inline __attribute__((always_inline)) void segcheck_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

/// The same, for a line about to be written.
static inline __attribute__((always_inline)) void segcheck_prefetch_write(const void *p) {
    __builtin_prefetch(p, 1, 3);
}

#endif

// glibc's allocator controls (<malloc.h>) through the C shim `CMalloc`; no other file imports it.
import CMalloc

/// The allocator settings of an ingest: the C API of `CMalloc` behind an enum. On a C library
/// other than glibc both calls do nothing.
///
/// Why: by default glibc raises its mmap threshold each time a large mapped block is freed (up
/// to 32 MiB) and its trim threshold to twice that, so once the first segment's 1 MiB pool
/// blocks are freed, later ones come from the heap and up to 64 MiB of freed memory stays
/// resident in each arena — memory the `--memory` budget cannot see (ARCHITECTURE.md,
/// DiariumIngest's memory model).
enum Malloc {
    /// Blocks of this many bytes and more are mapped on their own, and unmapped when freed.
    static let mmapThreshold = 256 << 10
    /// Free memory at the top of a heap beyond this many bytes is given back.
    static let trimThreshold = 1 << 20

    /// Fixes glibc's thresholds for the ingest (`mmapThreshold`, `trimThreshold`), so freed
    /// buffers leave the resident set. Once per process; true when glibc took both values.
    @discardableResult
    static func fixThresholds() -> Bool { thresholdsFixed }

    private static let thresholdsFixed = setThresholds(trim: trimThreshold, mmap: mmapThreshold)

    /// Sets glibc's trim and mmap thresholds (`mallopt`); true when glibc took both. A value
    /// that does not fit mallopt's `int` (or is negative) sets nothing.
    static func setThresholds(trim: Int, mmap: Int) -> Bool {
        trim >= 0 && mmap >= 0 && diarium_malloc_set_thresholds(trim, mmap) == 1
    }

    /// Gives the pages malloc holds free back to the system (`malloc_trim`), after a segment's
    /// buffers were freed: the small blocks of the catalog rows and analysed documents are freed
    /// between live ones, where no threshold returns them, and the next segment's may not reuse
    /// all of them (they sit in the worker threads' arenas). True when some memory was given back.
    @discardableResult
    static func releaseFreePages() -> Bool { diarium_malloc_trim() == 1 }
}

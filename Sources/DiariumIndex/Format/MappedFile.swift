#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file. The mapping lives as long as the object: a pointer
/// into it (`withBytes`, `bytes`, a segment's section buffers) is valid while the object lives,
/// so whoever keeps one keeps the object too.
final class MappedFile: @unchecked Sendable {
    // Immutable after init: the mapped bytes are never written, so sharing across threads is safe.
    private let base: UnsafeRawPointer?
    /// File size in bytes.
    let count: Int
    /// The file's path, for error messages.
    let path: String

    init(path: String) throws {
        self.path = path
        // Never through a link, and never blocking on a pipe planted in the segments folder.
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw IndexError.missingSegment(file: path) }
            if errno == ELOOP { throw IndexError.unsafeIndexEntry(path: path, reason: "is a symbolic link") }
            throw IndexError.io(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw IndexError.io(path: path, operation: "stat", errno: errno) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw IndexError.unsafeIndexEntry(path: path, reason: "is not a regular file") }
        count = Int(st.st_size)
        if count == 0 {
            base = nil
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw IndexError.io(path: path, operation: "map", errno: errno) }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The mapped bytes, for readers that keep this object alive as long as they use them
    /// (`PostingsCursor` holds its segment, which holds this map).
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Gives the pages read so far back to the kernel (`MADV_DONTNEED`): they stay in the page
    /// cache and are read again from there on the next access. For one pass over a large file
    /// (a merge reads its sources front to back), so the process's resident memory does not
    /// grow by the files' sizes. Safe beside other readers of this map: a private read-only map
    /// is never written, so dropping its pages loses nothing.
    func releasePages() {
        if let base { _ = madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_DONTNEED) }
    }

    /// Gives back the pages wholly inside `range` of the file (as `releasePages()` does for all),
    /// for a reader that has passed them: a pass over a large file holds about one range.
    func releasePages(_ range: Range<Int>) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let base, page > 0 else { return }
        let lower = (max(0, range.lowerBound) + page - 1) / page * page
        let upper = min(count, range.upperBound) / page * page
        guard lower < upper else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + lower), upper - lower, MADV_DONTNEED)
    }

    /// Calls `body` with the mapped bytes.
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An anonymous scratch file that a section of a segment being written goes to while the
/// sections before it are still being produced (a merge writes POSTINGS first but produces
/// POSITIONS, SKIPS, TERMS and STORE at the same time): the bytes wait on disk instead of in
/// memory, and `replay` copies them into the output at the end. The file has no name
/// (`O_TMPFILE` in the index's segments folder, or a name removed at once where that flag is
/// missing), so nothing is left behind by a crash; it is closed with the object.
final class SpillFile {
    private let fd: Int32
    /// Bytes written.
    private(set) var count = 0
    private let path: String

    /// A scratch file in `directory` (the segments folder: same file system as the segment).
    init(directory: String) throws {
        path = directory
        var fd: Int32 = -1
        #if os(Linux)
        // O_TMPFILE is a C macro Swift does not import: __O_TMPFILE (the same on every Linux
        // architecture) with O_DIRECTORY.
        fd = open(directory, 0o20000000 | O_DIRECTORY | O_RDWR | O_CLOEXEC, 0o600)
        #endif
        if fd < 0 {
            // No O_TMPFILE (another system, or a file system without it): a name, removed at once.
            var template = Array((directory + "/.spill-XXXXXX").utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd >= 0 {
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        guard fd >= 0 else { throw IndexError.io(path: directory, operation: "create a scratch file in", errno: errno) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Appends `bytes`.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var at = 0
        while at < bytes.count {
            let n = write(fd, bytes.baseAddress! + at, bytes.count - at)
            if n < 0 {
                if errno == EINTR { continue }
                throw IndexError.io(path: path, operation: "write a scratch file in", errno: errno)
            }
            at += n
        }
        count += bytes.count
    }

    /// Calls `body` with the bytes written, front to back, in pieces of at most 1 MiB.
    func replay(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while offset < count {
            let want = min(buffer.count, count - offset)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IndexError.io(path: path, operation: "read a scratch file in", errno: errno)
            }
            guard n > 0 else { throw IndexError.io(path: path, operation: "read a scratch file in", errno: EIO) }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += n
        }
    }
}

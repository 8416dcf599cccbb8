import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX helpers for durable writes. All raw file-descriptor code of the index lives here.
enum DurableFile {
    /// Writes `bytes` to a new file at `path` and fsyncs it; removes the file on failure.
    static func create(_ path: String, bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IndexError.io(path: path, operation: "create", errno: errno) }
        var failure: IndexError?
        bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .io(path: path, operation: "write", errno: errno)
                    return
                }
                done += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = .io(path: path, operation: "sync", errno: errno) }
        if close(fd) != 0 && failure == nil { failure = .io(path: path, operation: "close", errno: errno) }
        if let failure {
            unlink(path)
            throw failure
        }
    }

    /// Writes all of `buffer` to `fd` at its current offset, retrying short writes.
    fileprivate static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let n = write(fd, base + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw IndexError.io(path: path, operation: "write", errno: errno)
            }
            done += n
        }
    }

    /// Fsyncs a directory so that a file created in it survives a crash.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw IndexError.io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw IndexError.io(path: path, operation: "sync", errno: errno) }
    }

    /// Takes an exclusive, non-blocking `flock` on `path`; returns the descriptor, which holds
    /// the lock until closed (or until the process dies). The lock file is opened with
    /// `O_NOFOLLOW` and must be a regular file with one link: a symbolic or hard link planted
    /// in its place is refused, never truncated.
    static func lock(_ path: String) throws -> Int32? {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == ELOOP { throw IndexError.unsafeIndexEntry(path: path, reason: "is a symbolic link") }
            throw IndexError.io(path: path, operation: "open", errno: errno)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw IndexError.io(path: path, operation: "stat", errno: code)
        }
        guard st.st_mode & S_IFMT == S_IFREG, st.st_nlink == 1 else {
            close(fd)
            throw IndexError.unsafeIndexEntry(path: path, reason: st.st_mode & S_IFMT == S_IFREG ? "has other hard links" : "is not a regular file")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        let pid = Array("pid \(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    /// What the lock file says about its holder (`pid N`), read without following a link and
    /// at most 64 bytes of it; empty when unknown.
    static func lockHolder(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return "" }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // Shown on a terminal: printable ASCII only.
        return String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init))
    }

    static func unlock(_ fd: Int32) {
        close(fd)
    }
}

/// Where the segment serializer writes a file image, front to back.
protocol SegmentOutput {
    /// Appends `bytes`.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// A file image kept in memory (tests, and callers that want the bytes).
struct MemoryOutput: SegmentOutput {
    var bytes: [UInt8] = []
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
}

/// A new file (created with `O_EXCL`) written front to back through a 256 KiB buffer and fsynced
/// by `finish()`, so that a large segment is never held in memory whole. Dropped unfinished
/// (an error, a cancelled write), the file is closed and removed.
final class DurableFileWriter: SegmentOutput {
    let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private static let bufferSize = 256 << 10
    /// Bytes written so far (buffered ones included).
    private(set) var count = 0

    init(creating path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IndexError.io(path: path, operation: "create", errno: errno) }
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit { abandon() }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        count += bytes.count
        if buffer.count + bytes.count > Self.bufferSize {
            try flush()
            if bytes.count >= Self.bufferSize {
                try DurableFile.writeAll(fd, bytes, path: path)
                return
            }
        }
        buffer.append(contentsOf: bytes)
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try DurableFile.writeAll(fd, $0, path: path) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, fsyncs and closes the file; on failure removes it and throws.
    func finish() throws {
        do {
            try flush()
            if fsync(fd) != 0 { throw IndexError.io(path: path, operation: "sync", errno: errno) }
            let result = close(fd)
            fd = -1
            if result != 0 { throw IndexError.io(path: path, operation: "close", errno: errno) }
        } catch {
            abandon()
            unlink(path)
            throw error
        }
    }

    /// Closes and removes an unfinished file.
    func abandon() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(path)
    }
}

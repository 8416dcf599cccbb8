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

    /// Fsyncs a directory so that a file created in it survives a crash.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw IndexError.io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw IndexError.io(path: path, operation: "sync", errno: errno) }
    }

    /// Takes an exclusive, non-blocking `flock` on `path`; returns the descriptor, which holds
    /// the lock until closed (or until the process dies).
    static func lock(_ path: String) throws -> Int32? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IndexError.io(path: path, operation: "open", errno: errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        let pid = Array("pid \(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    static func unlock(_ fd: Int32) {
        close(fd)
    }
}

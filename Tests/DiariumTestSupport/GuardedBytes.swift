#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes placed flush against a page that may not be read (`PROT_NONE`): a read of even one
/// byte past them faults, so a test using them proves a reader stays inside its input, with or
/// without a sanitizer. Two pages are mapped; the bytes end where the second, protected, begins.
public final class GuardedBytes {
    private let mapping: UnsafeMutableRawPointer
    private let pageSize: Int
    /// The bytes, ending at the protected page.
    public let bytes: UnsafeRawBufferPointer

    /// A copy of `contents` (at most a page) against the protected page.
    public init(_ contents: [UInt8]) {
        pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        precondition(contents.count <= pageSize, "at most a page of bytes")
        guard let m = mmap(nil, 2 * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), m != MAP_FAILED,
              mprotect(m + pageSize, pageSize, PROT_NONE) == 0 else { preconditionFailure("mmap or mprotect failed: errno \(errno)") }
        mapping = m
        let start = m + pageSize - contents.count
        contents.withUnsafeBytes { if let b = $0.baseAddress { start.copyMemory(from: b, byteCount: $0.count) } }
        bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(start), count: contents.count)
    }

    deinit { munmap(mapping, 2 * pageSize) }
}

import Crypto

/// The paths a JSON Lines ingest has been given so far, with the line that gave each, so a
/// path given twice is refused (`BadLine`) instead of replacing its first document.
///
/// Held as digests, not strings: a path is kept as the first 16 bytes of the SHA-256 of its
/// UTF-8 and its line. The caller gives paths in NFC (`TextDecoding.nfc`, the path the
/// inventory stores), so paths equal as Swift strings, canonically equivalent, share one.
/// 24 bytes a bucket (about 32 to 65 a path as the table doubles, 6 MiB for 100,000) and
/// nothing else on the heap. A `[String: Int]` of 100,000 paths of about 70 bytes held
/// 13.5 MiB in use and left 8 MiB more in malloc's fragments between the buffers freed
/// around them (mallinfo2 and VmRSS at each segment, docs/benchmarks.md, eleventh session):
/// the one part of a 100k ingest at `--memory 64` that grew with the documents and was not
/// counted. Two different paths share a digest with a probability of about n²/2^129 (below 10^-27 for a million paths).
struct GivenPaths {
    private struct Digest: Hashable {
        let high: UInt64
        let low: UInt64
    }

    private var lines: [Digest: Int] = [:]

    /// Paths recorded.
    var count: Int { lines.count }

    /// Records that `line` gives `nfcPath` (a path in NFC), unless a line before gave it:
    /// returns that line then (and records nothing), nil when the path is new.
    mutating func record(_ nfcPath: String, line: Int) -> Int? {
        let digest = Self.digest(nfcPath)
        if let first = lines[digest] { return first }
        lines[digest] = line
        return nil
    }

    /// Bytes the table holds (its buckets at the current capacity, which grows by doubling), for
    /// the memory budget; when it is full, three times that: the next path doubles it, and the
    /// old buckets and the new ones are held together while they are copied.
    var heapBytes: Int {
        let buckets = lines.capacity == 0 ? 0 : lines.capacity * 4 / 3 + 1
        let bytes = buckets * (MemoryLayout<Digest>.stride + MemoryLayout<Int>.stride) + buckets / 8
        return lines.count >= lines.capacity ? 3 * bytes : bytes
    }

    private static func digest(_ path: String) -> Digest {
        var path = path
        return path.withUTF8 { bytes in
            SHA256.hash(data: UnsafeRawBufferPointer(bytes)).withUnsafeBytes { d in
                Digest(high: d.loadUnaligned(as: UInt64.self), low: d.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            }
        }
    }
}

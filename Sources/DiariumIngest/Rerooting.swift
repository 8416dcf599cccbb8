import Crypto
import DiariumIndex
import Foundation

/// Re-rooting a moved release. Each ingest records where the paths it was given are now
/// (`IndexWriter.recordRoot`), so a document's path opens from any folder. A release moved as a
/// whole under the same name is found again by its paths (nothing to do but the root's new
/// folder); one moved under another name, or reorganised, is found by content: a file at a new
/// path whose size and SHA-256 equal those of a recorded file that is no longer where its root
/// now is takes over that file's documents — ids, segment, postings and OCR kept, only the path
/// and modification time updated, nothing read again.
extension Ingester {
    /// Records the absolute folder of each path given to this run.
    func recordRoots(_ paths: [String]) throws {
        for given in paths {
            let root = FileWalker.root(given)
            try writer.recordRoot(name: Data(root.name), folder: root.absolute)
        }
    }

    /// The recorded files that are gone (no longer where their root now is), by size: found
    /// once, when the walk meets the first file the index does not know.
    struct Relocation {
        var gone: [Int64: [(raw: Data, sha256: String)]]?
    }

    /// Whether `c`, a file the index does not know, holds the bytes of a recorded file that is
    /// gone: then that file's documents move to `c`'s path (nothing is read again) and `known`
    /// is updated. Of several gone files with these bytes (copies, empty files), the one at the
    /// same place under its root is taken first, then one of the same name, then any.
    func relocate(_ c: Candidate, known: inout [Data: (size: Int64, mtime: Double, sha256: String)], moves: inout Relocation,
                  summary: inout IngestSummary) throws -> Bool {
        guard !known.isEmpty, known[c.raw] == nil, c.kind == .regular else { return false }
        if moves.gone == nil {
            let roots = try writer.rootFolders()
            // Recorded files no longer at their place, by size (only a file of the same size can
            // be one). A file the walk finds exists, so it is never among them.
            var gone: [Int64: [(raw: Data, sha256: String)]] = [:]
            for (raw, state) in known where !state.sha256.isEmpty {
                guard let file = roots.file(rawPath: raw) else { continue }
                var st = stat()
                if lstat(file, &st) != 0 && errno == ENOENT { gone[state.size, default: []].append((raw, state.sha256)) }
            }
            moves.gone = gone
        }
        guard let sameSize = moves.gone?[c.size], !sameSize.isEmpty, let sha = Ingester.sha256(of: c.path) else { return false }
        let same = sameSize.indices.filter { sameSize[$0].sha256 == sha }
        let below = Ingester.belowRoot(c.raw), name = Ingester.fileName(c.raw)
        guard let i = same.first(where: { Ingester.belowRoot(sameSize[$0].raw) == below })
                ?? same.first(where: { Ingester.fileName(sameSize[$0].raw) == name }) ?? same.first else { return false }
        let old = sameSize[i]
        moves.gone?[c.size]?.remove(at: i)
        try writer.moveFile(from: old.raw, to: c.raw, shown: c.stored, mtime: c.mtime)
        known[old.raw] = nil
        known[c.raw] = (c.size, c.mtime, sha)
        summary.moved += 1
        return true
    }

    /// A received path without its root's name (`Gymnasienämnden/x.pdf` of `corpus/Gymnasienämnden/x.pdf`).
    static func belowRoot(_ raw: Data) -> Data {
        raw.firstIndex(of: UInt8(ascii: "/")).map { Data(raw[($0 + 1)...]) } ?? Data()
    }

    /// The last component of a received path.
    static func fileName(_ raw: Data) -> Data {
        raw.lastIndex(of: UInt8(ascii: "/")).map { Data(raw[($0 + 1)...]) } ?? raw
    }

    /// The lowercase hexadecimal SHA-256 of the regular file at `path`, read in 1 MiB pieces
    /// (the last component opened with `O_NOFOLLOW`); nil when it cannot be read.
    static func sha256(of path: [UInt8]) -> String? {
        let fd = FileWalker.withCString(path) { open($0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { closeDescriptor(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: hasher.finalize().flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] }, as: UTF8.self)
    }
}

/// `close(2)` (`Ingester.close()` hides the name inside the class).
private func closeDescriptor(_ fd: Int32) { close(fd) }

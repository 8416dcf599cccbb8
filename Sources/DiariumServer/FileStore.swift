import Crypto
import DiariumIndex
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Serves the original files of the release, and only those: a download names a document id,
/// never a path. The file is the one the catalog recorded for that id, opened under `root`
/// one path component at a time with `O_NOFOLLOW` (so no symbolic link, `..` or absolute
/// component can lead elsewhere), read only, and checked against the catalog's size and
/// SHA-256 before a byte is sent: a file changed or replaced since the ingest is refused with
/// that reason.
struct FileStore: Sendable {
    /// The folder the catalog's paths are relative to.
    let root: String
    /// Largest file served.
    static let maxBytes = 512 << 20

    func download(id: Int64, snapshot: Snapshot) throws -> HTTPResponse {
        guard let record = try snapshot.reader.document(id: id) else {
            throw RequestError(.notFound, "No document \(id) in this index.")
        }
        let bytes = try read(record)
        let name = (record.path as NSString).lastPathComponent
        return HTTPResponse(status: .ok, contentType: "application/octet-stream", body: bytes, headers: [
            ("Content-Disposition", FileStore.contentDisposition(name)),
            ("Digest", "sha-256=" + Data(FileStore.hexBytes(record.sha256)).base64EncodedString()),
        ])
    }

    /// The recorded file's bytes, verified against the catalog.
    func read(_ record: DocumentRecord) throws -> [UInt8] {
        let components = record.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !record.path.hasPrefix("/"), !components.isEmpty,
              components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("\u{0}") }) else {
            throw RequestError(.forbidden, "The recorded path of document \(record.id) is not a plain relative path; it is not served.")
        }
        if record.path.contains("\\x") {
            // Non-UTF-8 names are recorded with \xHH escapes; the path no longer names the file.
            throw RequestError(.gone, "The file name of document \(record.id) is not UTF-8, so it cannot be found again by its recorded path.")
        }
        var dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw RequestError(.gone, "The release folder \(root) cannot be opened: \(String(cString: strerror(errno))).") }
        for c in components.dropLast() {
            let next = openat(dir, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(dir)
            guard next >= 0 else { throw missing(record) }
            dir = next
        }
        let fd = openat(dir, components[components.count - 1], O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        close(dir)
        guard fd >= 0 else { throw missing(record) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw RequestError(.forbidden, "\(record.path) is not a regular file; it is not served.")
        }
        guard Int64(st.st_size) == record.size, Int(st.st_size) <= FileStore.maxBytes else {
            throw changed(record)
        }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var got = 0
        while got < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, $0.count - got, off_t(got)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw changed(record) }
            got += n
        }
        let digest = SHA256.hash(data: bytes).map { String($0, radix: 16).leftPadded(2) }.joined()
        guard digest == record.sha256 else { throw changed(record) }
        return bytes
    }

    private func missing(_ r: DocumentRecord) -> RequestError {
        RequestError(.gone, "\(r.path) is no longer where it was ingested (under \(root)); start diarium serve with --files set to the folder ingest ran in.")
    }

    private func changed(_ r: DocumentRecord) -> RequestError {
        RequestError(.gone, "\(r.path) changed since it was ingested (its size or SHA-256 differs from the catalog's); ingest it again to serve it.")
    }

    /// `attachment` with the name as ASCII fallback and RFC 5987 UTF-8.
    static func contentDisposition(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        var encoded = ""
        for b in name.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x2D || b == 0x5F {
                encoded.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                encoded += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            guard let v = UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16) else { return [] }
            out.append(v)
        }
        return out
    }
}

import Foundation

/// Failures of the ingest pipeline that stop the run.
public enum IngestError: Error, CustomStringConvertible {
    /// A path given on the command line does not exist.
    case notFound(String)

    public var description: String {
        switch self {
        case let .notFound(path): return "\(path): no such file or folder"
        }
    }
}

/// Finds the files under the paths given to `ingest`. Hidden files and folders (names
/// starting with `.`) are skipped; symbolic links are recorded but never followed, so an
/// ingest never reads outside the folders it was given. Named pipes, sockets and devices are
/// recorded as not regular files, and never opened.
///
/// The walk works on the bytes of file names (`opendir`/`readdir`/`lstat`), so a name that is
/// not UTF-8 is still found: it is recorded with each byte that is not part of a valid UTF-8
/// sequence written as `\xHH` (`G\xF6ran.txt` for a Latin-1 `Göran.txt`), and read through
/// its real bytes.
enum FileWalker {
    /// The absolute path of a path given to `ingest`, and the bytes of its name (the first
    /// component of every received path under it).
    static func root(_ given: String) -> (absolute: String, name: [UInt8]) {
        let absolute = URL(fileURLWithPath: given).standardizedFileURL.path
        return (absolute, Array((absolute as NSString).lastPathComponent.utf8))
    }

    static func walk(_ paths: [String]) throws -> [Ingester.Candidate] {
        var out: [Ingester.Candidate] = []
        let fm = FileManager.default
        for given in paths {
            let (absolute, rootRaw) = root(given)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: absolute, isDirectory: &isDir) || isSymlink(absolute) else {
                throw IngestError.notFound(given)
            }
            let rootName = nfc((absolute as NSString).lastPathComponent)
            if !isDir.boolValue {
                out.append(candidate(Array(absolute.utf8), raw: rootRaw, components: [rootName]))
                continue
            }
            // (relative path as recorded, its raw bytes, its components, the real path's bytes)
            var found: [(rel: String, raw: [UInt8], components: [String], path: [UInt8])] = []
            var folders: [(path: [UInt8], raw: [UInt8], components: [String])] = [(Array(absolute.utf8), rootRaw, [])]
            while let (folder, folderRaw, prefix) = folders.popLast() {
                for name in entries(folder, followLink: prefix.isEmpty) {
                    if name.first == UInt8(ascii: ".") { continue }
                    let path = folder + [UInt8(ascii: "/")] + name
                    let raw = folderRaw + [UInt8(ascii: "/")] + name
                    let components = prefix + [displayName(name)]
                    var st = stat()
                    if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                        folders.append((path, raw, components))
                    } else {
                        found.append((components.joined(separator: "/"), raw, components, path))
                    }
                }
            }
            // Shown paths first, received bytes to order names shown alike (NFC and NFD).
            found.sort { $0.rel != $1.rel ? $0.rel < $1.rel : $0.raw.lexicographicallyPrecedes($1.raw) }
            for f in found {
                out.append(candidate(f.path, raw: f.raw, components: [rootName] + f.components.map(nfc)))
            }
        }
        return out
    }

    /// The names in a folder, `.` and `..` left out; none if it cannot be opened. Only the
    /// folder given on the command line may be a link: one found inside is never followed,
    /// even if it replaced a folder after the walk saw it.
    static func entries(_ folder: [UInt8], followLink: Bool) -> [[UInt8]] {
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followLink ? 0 : O_NOFOLLOW)
        let fd = withCString(folder) { open($0, flags) }
        guard fd >= 0 else { return [] }
        guard let dir = fdopendir(fd) else { close(fd); return [] }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = entryName(entry)
            if name == [0x2E] || name == [0x2E, 0x2E] || name.isEmpty { continue }
            names.append(name)
        }
        return names
    }

    /// The offsets of `d_name` and `d_reclen` in `dirent` (19 and 16 on Linux).
    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
    private static let recordLengthOffset = MemoryLayout<dirent>.offset(of: \dirent.d_reclen) ?? 16

    /// The name of a `readdir` entry, read in place up to its NUL. `readdir` hands out records
    /// of `d_reclen` bytes, often far shorter than `MemoryLayout<dirent>.size` (280 on Linux):
    /// `entry.pointee.d_name` copies the whole struct and reads past the end of the buffer when
    /// a record sits at the end of a mapped page (the SIGSEGV of issue 15). The name is read
    /// through a pointer to the field instead, never beyond its NUL nor beyond the record.
    static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> [UInt8] {
        let record = UnsafeRawPointer(entry)
        let recordLength = Int(record.load(fromByteOffset: recordLengthOffset, as: UInt16.self))
        let limit = recordLength > nameOffset ? recordLength - nameOffset : 256
        let start = record + nameOffset
        let length = strnlen(start.assumingMemoryBound(to: CChar.self), limit)
        return Array(UnsafeRawBufferPointer(start: start, count: length))
    }

    /// The candidate at `path` (the real path's bytes), recorded under `raw` (the received
    /// path's bytes, from the ingested root's name down) and shown as `components`.
    static func candidate(_ path: [UInt8], raw: [UInt8], components: [String]) -> Ingester.Candidate {
        let stored = components.joined(separator: "/")
        let raw = Data(raw)
        var st = stat()
        guard lstat(path, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            return Ingester.Candidate(path: path, raw: raw, stored: stored, components: components, size: 0, mtime: 0, kind: .unreadable(reason))
        }
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        let kind: Ingester.Candidate.Kind
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFLNK: kind = .symlink
        case S_IFIFO: kind = .special("a named pipe")
        case S_IFSOCK: kind = .special("a socket")
        case S_IFCHR: kind = .special("a character device")
        case S_IFBLK: kind = .special("a block device")
        default: kind = .special("of an unknown type")
        }
        return Ingester.Candidate(path: path, raw: raw, stored: stored, components: components, size: Int64(st.st_size), mtime: mtime, kind: kind)
    }

    static func isSymlink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// A file name as recorded: its UTF-8 text, with each byte outside a valid UTF-8 sequence
    /// written as `\xHH`.
    static func displayName(_ name: [UInt8]) -> String {
        if let s = String(validating: name, as: UTF8.self) { return s }
        var out = ""
        var i = 0
        while i < name.count {
            let b = name[i]
            let length = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0
            if length > 0, i + length <= name.count, let s = String(validating: name[i..<(i + length)], as: UTF8.self) {
                out += s
                i += length
            } else {
                out += String(format: "\\x%02X", b)
                i += 1
            }
        }
        return out
    }

    /// Calls `body` with `bytes` as a NUL-terminated C string.
    static func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    /// File names in NFC (macOS writes å decomposed).
    static func nfc(_ s: String) -> String { s.precomposedStringWithCanonicalMapping }
}

/// `lstat` on a path given as bytes.
func lstat(_ path: [UInt8], _ st: inout stat) -> Int32 {
    FileWalker.withCString(path) { lstat($0, &st) }
}

import Foundation
import DiariumExtraction

/// Failures of the ingest pipeline that stop the run.
public enum IngestError: Error, CustomStringConvertible {
    /// A path given on the command line does not exist.
    case notFound(String)
    /// A JSON Lines stream (`ingest --jsonl`) could not be read on.
    case readFailed(name: String, reason: String)

    public var description: String {
        switch self {
        case let .notFound(path): return "\(path): no such file or folder"
        case let .readFailed(name, reason): return "\(name): could not be read: \(reason)"
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

    /// Every candidate under `paths`, in walk order (`FileWalk`).
    static func walk(_ paths: [String]) throws -> [Ingester.Candidate] {
        var walk = try FileWalk(paths)
        var out: [Ingester.Candidate] = []
        while let c = walk.next() { out.append(c) }
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

}

/// The files under the paths given to `ingest`, one at a time (`next()`), so that a tree of a
/// million files is never listed whole: what the walk holds is the sorted entries of the folders
/// on the path from the root to the current one.
///
/// The order is that of sorting every file of a root by its path as shown (the display names
/// joined by `/`, compared as `String`s: by the scalars of their NFC forms), received bytes
/// ordering paths shown alike (NFC and NFD names), roots in the order given. Depth first with
/// each folder's entries sorted by their name, a folder's with `/` appended, gives that order:
/// `/` is a starter that composes with nothing, so a path's NFC form is its components' joined,
/// and every path below a folder begins with the folder's name and `/`. Folders whose names
/// are shown alike (one NFC, one NFD) are walked as one, their entries merged, as the sort of
/// whole paths interleaves them.
struct FileWalk {
    /// One entry of a folder being walked: a file (or anything not a folder), or a folder —
    /// several real folders when their names are shown alike.
    private struct Entry {
        /// The display name, with `/` appended for a folder: the sort key.
        var key: String
        /// The display name.
        var name: String
        /// The received path's bytes (the first of a merged folder's), the tie-breaker.
        var raw: [UInt8]
        /// The real paths' bytes and received paths' bytes: one for a file, one or more for a folder.
        var places: [(path: [UInt8], raw: [UInt8])]
        var isFolder: Bool
    }

    /// A folder being walked: its sorted entries, the next one, and its components below the root.
    private struct Frame {
        var entries: [Entry]
        var next = 0
        var components: [String]
    }

    private var roots: [(absolute: String, raw: [UInt8], name: String, isFolder: Bool)] = []
    private var rootIndex = 0
    private var stack: [Frame] = []

    /// Checks that every path exists (`IngestError.notFound` for the first that does not); the
    /// walk itself happens in `next()`.
    init(_ paths: [String]) throws {
        let fm = FileManager.default
        for given in paths {
            let (absolute, rootRaw) = FileWalker.root(given)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: absolute, isDirectory: &isDir) || FileWalker.isSymlink(absolute) else {
                throw IngestError.notFound(given)
            }
            roots.append((absolute, rootRaw, TextDecoding.nfc((absolute as NSString).lastPathComponent), isDir.boolValue))
        }
    }

    /// The next candidate, nil when the walk is done.
    mutating func next() -> Ingester.Candidate? {
        while true {
            if stack.isEmpty {
                guard rootIndex < roots.count else { return nil }
                let root = roots[rootIndex]
                rootIndex += 1
                if !root.isFolder {
                    return FileWalker.candidate(Array(root.absolute.utf8), raw: root.raw, components: [root.name])
                }
                stack.append(Frame(entries: Self.entries(of: [(Array(root.absolute.utf8), root.raw)], root: true), components: []))
                continue
            }
            let top = stack.count - 1
            guard stack[top].next < stack[top].entries.count else {
                stack.removeLast()
                continue
            }
            let entry = stack[top].entries[stack[top].next]
            stack[top].next += 1
            let components = stack[top].components + [entry.name]
            if entry.isFolder {
                stack.append(Frame(entries: Self.entries(of: entry.places, root: false), components: components))
            } else {
                let rootName = roots[rootIndex - 1].name
                return FileWalker.candidate(entry.places[0].path, raw: entry.raw, components: [rootName] + components.map(TextDecoding.nfc))
            }
        }
    }

    /// The candidate the walk finds (or found) at the received path `raw`, nil when it would
    /// not find it: not under one of its roots, under a hidden name, or below a folder that is
    /// now a link or not a folder. Looked up without walking (the OCR pass of the files whose
    /// pages wait); the first root that holds it, as in the walk.
    func candidate(rawPath raw: Data) -> Ingester.Candidate? {
        let bytes = [UInt8](raw)
        for root in roots {
            if !root.isFolder {
                if bytes == root.raw { return FileWalker.candidate(Array(root.absolute.utf8), raw: root.raw, components: [root.name]) }
                continue
            }
            guard bytes.count > root.raw.count + 1, bytes.starts(with: root.raw), bytes[root.raw.count] == UInt8(ascii: "/") else { continue }
            let names = bytes[(root.raw.count + 1)...].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Array($0) }
            guard !names.contains(where: { $0.isEmpty || $0.first == UInt8(ascii: ".") }) else { continue }
            var path = Array(root.absolute.utf8)
            var inside = true
            for (k, name) in names.enumerated() {
                path += [UInt8(ascii: "/")] + name
                var st = stat()
                if k < names.count - 1 && !(lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR) { inside = false; break }
            }
            guard inside else { continue }
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            return FileWalker.candidate(path, raw: bytes, components: [root.name] + names.map { TextDecoding.nfc(FileWalker.displayName($0)) })
        }
        return nil
    }

    /// The entries of the folders `places` (one, or several shown alike), hidden names left
    /// out, sorted by key then received bytes; folders shown alike merged into one entry.
    private static func entries(of places: [(path: [UInt8], raw: [UInt8])], root: Bool) -> [Entry] {
        var list: [Entry] = []
        for (folder, folderRaw) in places {
            for name in FileWalker.entries(folder, followLink: root) {
                if name.first == UInt8(ascii: ".") { continue }
                let path = folder + [UInt8(ascii: "/")] + name
                let raw = folderRaw + [UInt8(ascii: "/")] + name
                var st = stat()
                let isFolder = lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
                let display = FileWalker.displayName(name)
                list.append(Entry(key: isFolder ? display + "/" : display, name: display, raw: raw, places: [(path, raw)], isFolder: isFolder))
            }
        }
        list.sort { $0.key != $1.key ? $0.key < $1.key : $0.raw.lexicographicallyPrecedes($1.raw) }
        var merged: [Entry] = []
        merged.reserveCapacity(list.count)
        for e in list {
            if e.isFolder, let last = merged.last, last.isFolder, last.key == e.key {
                merged[merged.count - 1].places.append(contentsOf: e.places)
            } else {
                merged.append(e)
            }
        }
        return merged
    }
}

/// `lstat` on a path given as bytes.
func lstat(_ path: [UInt8], _ st: inout stat) -> Int32 {
    FileWalker.withCString(path) { lstat($0, &st) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// File names inside an index directory, and the rules that keep the directory diarium's own.
///
/// Security policy (issue 15): an index directory may be any folder a user names with
/// `--index`, so diarium must never destroy or overwrite what it did not write there.
/// - **Ownership.** `IndexWriter` creates the directory (or claims an empty one) and writes the
///   marker file `diarium-index` first. It refuses a directory without that marker unless the
///   directory is empty, or holds a catalog that opens as a diarium catalog (an index written
///   before the marker existed is adopted: the marker is added). Anything else is refused with
///   `IndexError.notAnIndex` before a single file is written or removed.
/// - **No links inside.** The marker, `write.lock`, the catalog (with its `-wal` and `-shm`
///   files), `segments/` and the segment files are never reached through a symbolic link: they
///   are checked with `lstat` before SQLite opens the catalog, and opened with `O_NOFOLLOW`
///   (`segments/` with `O_DIRECTORY | O_NOFOLLOW`). The lock must be a regular file with one
///   link, so a hard link to another file is not truncated either. Only the index directory
///   itself may be a link, as the folder named on the command line.
/// - **Deletions.** diarium deletes only regular files named `*.seg` in `segments/` (leftovers of
///   an interrupted commit, merged segments, and with `--rebuild` all of them) and, with
///   `--rebuild`, the catalog's three files. Never a folder, never any other file, never
///   anything outside the directory: segment names read from the catalog are checked
///   (`isSegmentFileName`) before they are joined to a path.
enum IndexLayout {
    /// The marker file that says a directory is a diarium index.
    static let markerName = "diarium-index"
    static let markerText = """
        This folder is a diarium index (catalog.sqlite and segments/). diarium created it and \
        deletes segment files inside it as it merges them; do not put other files here.

        """
    static let segmentsName = "segments"
    static let lockName = "write.lock"

    static func catalog(_ dir: String) -> String { dir + "/" + Catalog.fileName }
    static func segments(_ dir: String) -> String { dir + "/" + segmentsName }
    static func lock(_ dir: String) -> String { dir + "/" + lockName }
    static func marker(_ dir: String) -> String { dir + "/" + markerName }
    /// The catalog and the files SQLite keeps beside it in WAL mode.
    static func catalogFiles(_ dir: String) -> [String] {
        let c = catalog(dir)
        return [c, c + "-wal", c + "-shm"]
    }

    /// Whether `name` can be the name of a segment file: `*.seg`, no folder part, not hidden.
    static func isSegmentFileName(_ name: String) -> Bool {
        name.hasSuffix("." + SegmentFormat.fileExtension) && name.utf8.count > 4 && !name.hasPrefix(".")
            && !name.utf8.contains(UInt8(ascii: "/")) && !name.utf8.contains(0)
    }

    /// The path of the segment file `name` listed in the catalog; a name that could reach
    /// outside `segments/` is a damaged catalog.
    static func segment(_ dir: String, _ name: String) throws -> String {
        guard isSegmentFileName(name) else {
            throw IndexError.corruptCatalog(file: catalog(dir), reason: "it lists a segment file named \"\(name)\", which is not a segment file name")
        }
        return segments(dir) + "/" + name
    }

    // MARK: Checks

    /// What `lstat` finds at `path`: nil when nothing is there.
    static func fileType(_ path: String) throws -> mode_t? {
        var st = stat()
        if lstat(path, &st) == 0 { return st.st_mode & S_IFMT }
        if errno == ENOENT { return nil }
        throw IndexError.io(path: path, operation: "look at", errno: errno)
    }

    /// Throws unless `path` is absent or a regular file (never a link, a folder, a pipe).
    static func requireRegularOrAbsent(_ path: String) throws {
        switch try fileType(path) {
        case nil, S_IFREG?: return
        case S_IFLNK?: throw IndexError.unsafeIndexEntry(path: path, reason: "is a symbolic link")
        case S_IFDIR?: throw IndexError.unsafeIndexEntry(path: path, reason: "is a folder, where diarium keeps a file")
        default: throw IndexError.unsafeIndexEntry(path: path, reason: "is not a regular file")
        }
    }

    /// Checks the entries a reader opens: the catalog files must be regular files and
    /// `segments/` a real folder, none of them a symbolic link.
    static func checkForReading(_ dir: String) throws {
        try requireIndexDirectory(dir, creating: false)
        try requireSegmentsFolderOrAbsent(dir)
        for f in catalogFiles(dir) { try requireRegularOrAbsent(f) }
    }

    /// Throws unless `segments/` is absent or a real folder: a link is refused as unsafe, a file
    /// or anything else as `notAFolder` (checked before anything else inside the index is
    /// touched, so that is the message a user sees).
    static func requireSegmentsFolderOrAbsent(_ dir: String) throws {
        switch try fileType(segments(dir)) {
        case nil, S_IFDIR?: return
        case S_IFLNK?: throw IndexError.unsafeIndexEntry(path: segments(dir), reason: "is a symbolic link")
        default: throw IndexError.notAFolder(path: segments(dir), what: "the index's segments")
        }
    }

    /// Throws unless `dir` is a folder (it may be a link to one: it was named by the user);
    /// with `creating`, creates it (and its parents) when it does not exist.
    static func requireIndexDirectory(_ dir: String, creating: Bool) throws {
        var st = stat()
        if stat(dir, &st) != 0 {
            guard errno == ENOENT else { throw IndexError.io(path: dir, operation: "open the index directory", errno: errno) }
            guard creating else { throw IndexError.noIndex(directory: dir) }
            // mkdir -p, keeping the reason (errno) of a failure.
            var prefix = dir.hasPrefix("/") ? "" : "."
            for component in dir.split(separator: "/") {
                prefix += "/" + component
                if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                    throw IndexError.io(path: prefix, operation: "create the index directory", errno: errno)
                }
            }
            guard stat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
                throw IndexError.notAnIndex(directory: dir, reason: "a file lies where its folder would be")
            }
            return
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw IndexError.notAFolder(path: dir, what: "the index")
        }
    }

    /// Makes `dir` usable by a writer: creates or claims it (see the policy above), checks that
    /// no entry diarium writes is a link or of the wrong type, and creates `segments/`.
    static func prepareForWriting(_ dir: String) throws {
        try requireIndexDirectory(dir, creating: true)
        try requireSegmentsFolderOrAbsent(dir)
        try claim(dir)
        for f in [lock(dir)] + catalogFiles(dir) { try requireRegularOrAbsent(f) }
        let seg = segments(dir)
        switch try fileType(seg) {
        case S_IFDIR?: break
        case nil:
            if mkdir(seg, 0o755) != 0 && errno != EEXIST { throw IndexError.io(path: seg, operation: "create", errno: errno) }
            guard try fileType(seg) == S_IFDIR else { throw IndexError.unsafeIndexEntry(path: seg, reason: "is not a folder") }
        case S_IFLNK?: throw IndexError.unsafeIndexEntry(path: seg, reason: "is a symbolic link")
        default: throw IndexError.unsafeIndexEntry(path: seg, reason: "is not a folder")
        }
    }

    /// Checks the marker of `dir`, writing it into an empty directory or one that holds a
    /// diarium catalog written before markers existed; refuses any other directory.
    static func claim(_ dir: String) throws {
        let markerPath = marker(dir)
        switch try fileType(markerPath) {
        case S_IFREG?: return
        case nil: break
        case S_IFLNK?: throw IndexError.unsafeIndexEntry(path: markerPath, reason: "is a symbolic link")
        default: throw IndexError.unsafeIndexEntry(path: markerPath, reason: "is not a regular file")
        }
        let entries = try names(in: dir)
        if !entries.isEmpty {
            guard entries.contains(Catalog.fileName) else {
                let shown = entries.sorted().prefix(3).joined(separator: ", ")
                throw IndexError.notAnIndex(directory: dir, reason: "the folder holds files diarium did not write (\(shown)\(entries.count > 3 ? ", …" : "")) and no `\(markerName)` marker")
            }
            for f in catalogFiles(dir) { try requireRegularOrAbsent(f) }
            guard Catalog.isDiariumCatalog(catalog(dir)) else {
                throw IndexError.notAnIndex(directory: dir, reason: "its \(Catalog.fileName) is not a diarium catalog and the folder has no `\(markerName)` marker")
            }
        }
        let fd = open(markerPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if fd < 0 {
            // Another diarium process claimed the directory at the same moment.
            if errno == EEXIST, try fileType(markerPath) == S_IFREG { return }
            throw IndexError.io(path: markerPath, operation: "create", errno: errno)
        }
        defer { close(fd) }
        let text = Array(markerText.utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == text.count, fsync(fd) == 0 else { throw IndexError.io(path: markerPath, operation: "write", errno: errno) }
    }

    /// The names in folder `dir` (`.` and `..` left out), read through a descriptor opened with
    /// `O_NOFOLLOW` when `noFollow` is set.
    static func names(in dir: String, noFollow: Bool = false) throws -> [String] {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (noFollow ? O_NOFOLLOW : 0))
        guard fd >= 0 else {
            if errno == ELOOP || errno == ENOTDIR { throw IndexError.unsafeIndexEntry(path: dir, reason: "is not a folder (or is a symbolic link)") }
            throw IndexError.io(path: dir, operation: "list", errno: errno)
        }
        guard let d = fdopendir(fd) else {
            let code = errno
            close(fd)
            throw IndexError.io(path: dir, operation: "list", errno: code)
        }
        defer { closedir(d) }
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
        var out: [String] = []
        while let entry = readdir(d) {
            // d_name read in place, never through `pointee` (which copies 280 bytes past a short record).
            let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }

    /// Deletes the regular files named `*.seg` in `segments/` that `keep` does not name; leaves
    /// every other entry (folders, links, other files) alone. Returns the names deleted.
    @discardableResult
    static func removeSegmentFiles(_ dir: String, keeping keep: Set<String>) throws -> [String] {
        let seg = segments(dir)
        var removed: [String] = []
        for name in try names(in: seg, noFollow: true) where isSegmentFileName(name) && !keep.contains(name) {
            let path = seg + "/" + name
            // unlink never follows a link and never removes a folder; a link named *.seg is
            // left alone too (it is not a file diarium wrote).
            guard try fileType(path) == S_IFREG else { continue }
            if unlink(path) == 0 { removed.append(name) } else if errno != ENOENT {
                throw IndexError.io(path: path, operation: "remove", errno: errno)
            }
        }
        return removed
    }

    /// Removes one segment file diarium wrote (a merged source, an unpublished commit).
    static func removeSegmentFile(_ path: String) {
        if (try? fileType(path)) == S_IFREG { unlink(path) }
    }
}

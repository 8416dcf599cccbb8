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
/// ingest never reads outside the folders it was given.
enum FileWalker {
    static func walk(_ paths: [String]) throws -> [Ingester.Candidate] {
        var out: [Ingester.Candidate] = []
        let fm = FileManager.default
        for given in paths {
            let absolute = URL(fileURLWithPath: given).standardizedFileURL.path
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: absolute, isDirectory: &isDir) || isSymlink(absolute) else {
                throw IngestError.notFound(given)
            }
            let rootName = nfc((absolute as NSString).lastPathComponent)
            if !isDir.boolValue {
                if let c = candidate(absolute, components: [rootName]) { out.append(c) }
                continue
            }
            guard let e = fm.enumerator(atPath: absolute) else { continue }
            var found: [String] = []
            while let rel = e.nextObject() as? String {
                let name = (rel as NSString).lastPathComponent
                if name.hasPrefix(".") {
                    if (e.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { e.skipDescendants() }
                    continue
                }
                let type = e.fileAttributes?[.type] as? FileAttributeType
                if type == .typeRegular || type == .typeSymbolicLink { found.append(rel) }
            }
            for rel in found.sorted() {
                let components = [rootName] + rel.split(separator: "/").map { nfc(String($0)) }
                if let c = candidate(absolute + "/" + rel, components: components) { out.append(c) }
            }
        }
        return out
    }

    static func candidate(_ path: String, components: [String]) -> Ingester.Candidate? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        let link = (st.st_mode & S_IFMT) == S_IFLNK
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        return Ingester.Candidate(absolute: path, stored: components.joined(separator: "/"), components: components,
                                  size: Int64(st.st_size), mtime: mtime, symlink: link)
    }

    static func isSymlink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// File names in NFC (macOS writes å decomposed).
    static func nfc(_ s: String) -> String { s.precomposedStringWithCanonicalMapping }
}

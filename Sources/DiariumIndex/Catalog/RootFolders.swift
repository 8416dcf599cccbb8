import Foundation

/// Where the ingested roots are: the folder (or single file) each `diarium ingest PATH` named,
/// as an absolute path, keyed by the bytes of its name. A document's path starts with its
/// root's name (`corpus/Gymnasienämnden/…`), so the file that opens is the root's folder
/// followed by the rest of the path, from whatever folder a command runs in.
public struct RootFolders: Sendable {
    /// Root name (bytes, the first component of `DocumentRecord.rawPath`) → absolute folder.
    public let folders: [Data: String]

    /// Root name as shown (NFC; the form paths are recorded in) → absolute folder.
    let shownNames: [String: String]

    /// A name whose scalars are all below U+0300 (every UTF-8 byte below `CC`) is NFC already, as
    /// in `TextDecoding.nfc` (which DiariumIndex cannot import); only other names go through
    /// Foundation's normalisation, whose first use (bridging through NSString) was 0.57 M
    /// instructions of a fresh `diarium search`.
    public init(_ folders: [Data: String]) {
        self.folders = folders
        var shown: [String: String] = [:]
        for (name, folder) in folders {
            guard let s = String(data: name, encoding: .utf8) else { continue }
            shown[s.utf8.allSatisfy { $0 < 0xCC } ? s : s.precomposedStringWithCanonicalMapping] = folder
        }
        shownNames = shown
    }

    /// The root name of a received path: its bytes up to the first `/`.
    static func rootName(_ rawPath: Data) -> Data {
        rawPath.firstIndex(of: UInt8(ascii: "/")).map { rawPath[rawPath.startIndex..<$0] } ?? rawPath
    }

    /// The absolute path (bytes) of the file received as `rawPath`; nil when its root is unknown.
    public func file(rawPath: Data) -> [UInt8]? {
        let name = RootFolders.rootName(rawPath)
        guard let folder = folders[Data(name)] else { return nil }
        return Array(folder.utf8) + Array(rawPath.dropFirst(name.count))
    }

    /// The absolute path of the document's file as shown (its `path` after the root's folder);
    /// nil when its root is unknown. For a document inside a file, the file's path (`part`
    /// names the document in it).
    public func file(of record: DocumentRecord) -> String? {
        guard let folder = folders[Data(RootFolders.rootName(record.rawPath))] else { return nil }
        guard let slash = record.path.firstIndex(of: "/") else { return folder }
        return folder + String(record.path[slash...])
    }

    /// The absolute path of the file recorded under the shown `path` (a search hit's `path`);
    /// nil when its root is unknown. Strings are joined as `String + String`: `String +
    /// Substring` is the generic `+` of any sequence, whose first calls looked up its
    /// associated types at run time (0.3 M instructions of a fresh `diarium search`, callgrind).
    public func file(shownPath path: String) -> String? {
        let slash = path.firstIndex(of: "/")
        guard let folder = shownNames[String(path[..<(slash ?? path.endIndex)])] else { return nil }
        return slash.map { folder + String(path[$0...]) } ?? folder
    }

    /// `file` as a user in `directory` (absolute) types it: relative when it is below
    /// `directory`, else absolute.
    public static func shown(_ file: String, from directory: String) -> String {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        return file.hasPrefix(base) && file.count > base.count ? String(file.dropFirst(base.count)) : file
    }

    /// The path to show for `record` to a user in `directory`: its file relative to `directory`
    /// when below it, else absolute, with the part's name after it for a document inside a file;
    /// the recorded path when the root is unknown.
    public func shownPath(of record: DocumentRecord, from directory: String) -> String {
        guard let file = file(of: record) else { return record.displayPath }
        let shown = RootFolders.shown(file, from: directory)
        return record.partName.map { shown + "/" + $0 } ?? shown
    }
}

import Foundation

/// Every failure of the index module, worded for the person running diarium.
public enum IndexError: Error, CustomStringConvertible, Equatable {
    /// Another process holds the index's write lock.
    case locked(index: String, holder: String)
    /// A segment file failed a structural or checksum check.
    case corruptSegment(file: String, reason: String)
    /// A segment listed in the catalog is missing on disk.
    case missingSegment(file: String)
    /// The index was written by another format version.
    case incompatibleFormat(index: String, found: String, expected: String)
    /// The directory holds no index yet.
    case noIndex(directory: String)
    /// An operating-system call failed.
    case io(path: String, operation: String, errno: Int32)
    /// The catalog database failed.
    case catalog(String)
    /// The catalog holds a value no diarium writes (a damaged or crafted index).
    case corruptCatalog(file: String, reason: String)
    /// The directory given as an index is not one diarium created (no marker, foreign files).
    case notAnIndex(directory: String, reason: String)
    /// The index path, or its `segments`, exists and is not a folder (a file, a pipe): `what`
    /// says which (`the index`, `the index's segments`).
    case notAFolder(path: String, what: String)
    /// An entry inside the index is a link, a folder or a special file where diarium keeps a
    /// regular file (or the reverse); diarium never follows or replaces it.
    case unsafeIndexEntry(path: String, reason: String)

    public var description: String {
        switch self {
        case let .locked(index, holder):
            return "index \(index) is being written by another diarium process (\(holder)); wait for it to finish and try again"
        case let .corruptSegment(file, reason):
            return "segment file \(file) is corrupt: \(reason); rebuild the index with `diarium ingest --rebuild`"
        case let .missingSegment(file):
            return "segment file \(file) is listed in the catalog but missing on disk; rebuild the index with `diarium ingest --rebuild`"
        case let .incompatibleFormat(index, found, expected):
            return "index \(index) was written in format \(found), this diarium reads format \(expected); rebuild it with `diarium ingest --rebuild`"
        case let .noIndex(directory):
            return "no index in \(directory); create one with `diarium ingest PATH --index \(directory)`"
        case let .io(path, operation, code):
            return "could not \(operation) \(path): \(String(cString: strerror(code)))"
        case let .catalog(message):
            return "catalog error: \(message)"
        case let .corruptCatalog(file, reason):
            let dir = (file as NSString).deletingLastPathComponent
            return "catalog \(file) is damaged: \(reason); `diarium verify --index \(dir)` lists what is wrong, `diarium ingest --rebuild --index \(dir)` rebuilds the index"
        case let .notAFolder(path, what):
            return "\(path) is not a folder, so it cannot hold \(what); name another --index, or remove it"
        case let .notAnIndex(directory, reason):
            return "\(directory) is not a diarium index: \(reason); give --index a new or empty folder (diarium never writes into or deletes from a folder it did not create)"
        case let .unsafeIndexEntry(path, reason):
            return "\(path) \(reason), where diarium keeps its own file or folder; diarium never follows links or writes through them inside an index: remove it, or give --index a new folder"
        }
    }
}

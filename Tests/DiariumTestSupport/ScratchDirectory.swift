#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A scratch folder `diarium-LABEL-UUID` under the temporary directory (`TMPDIR`), removed
/// with everything in it when released — or, for one held by a `static let` (an index built
/// once and shared by a suite), when the test process exits. The one way tests get a folder:
/// a test that makes its own under `NSTemporaryDirectory()` leaks it.
public final class ScratchDirectory: Sendable {
    public let path: String

    /// A new, empty folder named after `label` (so a leak, from a crashed run, says whose).
    public init(_ label: String = "test") throws {
        path = NSTemporaryDirectory() + "diarium-" + label + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        _ = Self.atExit
        Self.live.withLock { _ = $0.insert(path) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
        Self.live.withLock { _ = $0.remove(path) }
    }

    /// The folders not yet released.
    private static let live = Mutex<Set<String>>([])

    /// Removes, at exit, the folders never released (those of `static let`s).
    private static let atExit: Void = {
        atexit {
            for path in ScratchDirectory.live.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
    }()
}

import DiariumTestSupport
import Foundation
import Testing

@testable import DiariumIngest

#if canImport(Glibc)
import Glibc
#endif

/// The streamed walk (`FileWalk`) judged against the sort of whole paths it replaces: every file
/// under a root, ordered by its shown path (display names joined by `/`, as `String`s) and then
/// by its received bytes.
@Suite struct FileWalkTests {
    /// Name pieces that sort around `/` (`-`, space, `.` are below it), NFC and NFD `å` (shown
    /// alike), `ä`, and a byte that is not UTF-8 (shown as `\xF6`).
    static let pieces: [[UInt8]] = [
        Array("a".utf8), Array("b".utf8), Array("-".utf8), Array(" ".utf8), Array(".".utf8), Array("_".utf8),
        Array("Z".utf8), Array("1".utf8), Array("å".utf8), Array("a\u{30A}".utf8), Array("ä".utf8), [0xF6],
    ]

    static func makeFolder(_ path: [UInt8]) { _ = FileWalker.withCString(path) { mkdir($0, 0o755) } }
    static func makeFile(_ path: [UInt8]) {
        let fd = FileWalker.withCString(path) { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        if fd >= 0 { close(fd) }
    }

    /// A random tree: up to three levels, names of one to three pieces (never starting with `.`).
    static func makeTree(_ root: [UInt8], seed: UInt64) {
        var rng = SeededRandom(state: seed)
        func name() -> [UInt8] {
            var n: [UInt8] = []
            for _ in 0...rng.below(3) { n += pieces[rng.below(pieces.count)] }
            return n.first == UInt8(ascii: ".") ? [UInt8(ascii: "x")] + n : n
        }
        func fill(_ folder: [UInt8], depth: Int) {
            for _ in 0..<(4 + rng.below(8)) {
                let path = folder + [UInt8(ascii: "/")] + name()
                if depth < 3 && rng.below(3) == 0 {
                    makeFolder(path)
                    fill(path, depth: depth + 1)
                } else {
                    makeFile(path)
                }
            }
        }
        makeFolder(root)
        fill(root, depth: 1)
    }

    /// Every file under `root` (hidden names left out, links not followed) as (shown path, received
    /// path), sorted the way the walk must list them.
    static func bruteForce(_ root: [UInt8], rootRaw: [UInt8]) -> [(rel: String, raw: [UInt8])] {
        var found: [(rel: String, raw: [UInt8])] = []
        func visit(_ folder: [UInt8], _ raw: [UInt8], _ prefix: [String]) {
            for name in FileWalker.entries(folder, followLink: prefix.isEmpty) where name.first != UInt8(ascii: ".") {
                let path = folder + [UInt8(ascii: "/")] + name
                var st = stat()
                let components = prefix + [FileWalker.displayName(name)]
                if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                    visit(path, raw + [UInt8(ascii: "/")] + name, components)
                } else {
                    found.append((components.joined(separator: "/"), raw + [UInt8(ascii: "/")] + name))
                }
            }
        }
        visit(root, rootRaw, [])
        return found.sorted { $0.rel != $1.rel ? $0.rel < $1.rel : $0.raw.lexicographicallyPrecedes($1.raw) }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func walkOrderIsTheSortOfWholePaths(seed: UInt64) throws {
        let dir = try ScratchDirectory("walk")
        let root = Array((dir.path + "/release").utf8)
        Self.makeTree(root, seed: seed)
        let expected = Self.bruteForce(root, rootRaw: Array("release".utf8))
        let walked = try FileWalker.walk([dir.path + "/release"])
        #expect(walked.count == expected.count)
        #expect(walked.map { [UInt8]($0.raw) } == expected.map(\.raw))
        #expect(walked.map(\.stored) == expected.map { "release/" + $0.rel.precomposedStringWithCanonicalMapping })
    }

    @Test func foldersShownAlikeAreWalkedAsOne() throws {
        let dir = try ScratchDirectory("walk")
        let root = Array((dir.path + "/r").utf8)
        Self.makeFolder(root)
        // NFC and NFD `å` folders: their files interleave in the sort of whole paths.
        for (folder, files) in [("å", ["x", "z"]), ("a\u{30A}", ["y", "x"])] {
            let f = root + [UInt8(ascii: "/")] + Array(folder.utf8)
            Self.makeFolder(f)
            for name in files { Self.makeFile(f + [UInt8(ascii: "/")] + Array(name.utf8)) }
        }
        Self.makeFile(root + Array("/å-b".utf8))
        let walked = try FileWalker.walk([dir.path + "/r"])
        let expected = Self.bruteForce(root, rootRaw: Array("r".utf8))
        #expect(walked.map { [UInt8]($0.raw) } == expected.map(\.raw))
        #expect(walked.map(\.stored) == ["r/å-b", "r/å/x", "r/å/x", "r/å/y", "r/å/z"])
    }

    @Test func aFileIsFoundAgainByItsReceivedPath() throws {
        let dir = try ScratchDirectory("walk")
        let root = Array((dir.path + "/release").utf8)
        Self.makeTree(root, seed: 42)
        Self.makeFile(root + Array("/.hidden".utf8))
        let walk = try FileWalk([dir.path + "/release"])
        for c in try FileWalker.walk([dir.path + "/release"]) {
            let again = try #require(walk.candidate(rawPath: c.raw))
            #expect(again.path == c.path && again.raw == c.raw && again.stored == c.stored && again.components == c.components)
            #expect(again.kind == c.kind)
        }
        #expect(walk.candidate(rawPath: Data("release/.hidden".utf8)) == nil)
        #expect(walk.candidate(rawPath: Data("other/x".utf8)) == nil)
        #expect(walk.candidate(rawPath: Data("release/no such file".utf8)) == nil)
    }
}

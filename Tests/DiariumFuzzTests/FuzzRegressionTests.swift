import DiariumFuzzing
import Foundation
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures/fuzz").path

/// Every input kept under `Tests/Fixtures/fuzz/<target>/` (crashes and timeouts found by
/// `scripts/fuzz.sh`, and a few hand-made hostile inputs) goes through the same fuzz entry
/// point again, without a sanitizer: it must return, within the time limit.
@Suite struct FuzzRegressionTests {
    static func inputs(_ target: String) -> [String] {
        let dir = fixtures + "/" + target
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { dir + "/" + $0 }
    }

    @Test(arguments: FuzzTargets.names)
    func keptInputsDoNotCrash(target: String) throws {
        let files = Self.inputs(target)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            let started = Date()
            #expect(FuzzTargets.run(target, bytes: bytes))
            // libFuzzer's -timeout in scripts/fuzz.sh is 25 s with sanitizers; a debug build on a
            // busy machine gets more.
            #expect(Date().timeIntervalSince(started) < 60, "\(file) took too long")
        }
    }

    /// The fixture folders name real targets only.
    @Test func fixtureFoldersAreTargets() throws {
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? []
        for d in dirs where !d.hasPrefix(".") && d != "README.md" {
            #expect(FuzzTargets.names.contains(d), "Tests/Fixtures/fuzz/\(d) is no fuzz target")
        }
    }

    /// Each target survives the empty input and a few bytes that are not UTF-8.
    @Test(arguments: FuzzTargets.names)
    func edgeInputs(target: String) {
        for bytes: [UInt8] in [[], [0], [0xFF, 0xFE, 0x00], [0xC3], Array("<".utf8), Array("\"".utf8), [0xF4, 0x90, 0x80, 0x80]] {
            #expect(FuzzTargets.run(target, bytes: bytes))
        }
    }
}

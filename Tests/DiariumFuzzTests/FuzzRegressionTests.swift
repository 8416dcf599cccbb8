import DiariumFuzzing
import DiariumTestSupport
import Foundation
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures/fuzz").path

/// Every input kept under `Tests/Fixtures/fuzz/<target>/` (crashes and timeouts found by
/// `scripts/fuzz.sh`, and a few hand-made hostile inputs) goes through the same fuzz entry
/// point again, without a sanitizer: it must return, and the target's invariants (its
/// `precondition`s) must hold.
///
/// `scripts/fuzz.sh --replay` (the short form of `scripts/reliability.sh`) replays more through
/// this test: `DIARIUM_FUZZ_SEEDS=DIR` adds every file of `DIR/<target>/` (the seed corpus the
/// script assembles), `DIARIUM_FUZZ_MUTATIONS=N` runs N mutated copies of each input as well
/// (bytes flipped, cut, spliced with syntax of the target, a fixed seed per input), and
/// `DIARIUM_FUZZ_INDEX` gives the query target an index to search.
///
/// Serialized: the targets share one tokenizer and one analyzer, which (as under libFuzzer) are
/// used from one thread at a time.
@Suite(.serialized) struct FuzzRegressionTests {
    static func files(in dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { dir + "/" + $0 }
    }

    static func inputs(_ target: String) -> [String] {
        files(in: fixtures + "/" + target)
    }

    static let environment = ProcessInfo.processInfo.environment

    /// The seed files of `DIARIUM_FUZZ_SEEDS/<target>/`, none when it is not set.
    static func seeds(_ target: String) -> [String] {
        guard let dir = environment["DIARIUM_FUZZ_SEEDS"], !dir.isEmpty else { return [] }
        return files(in: dir + "/" + target)
    }

    static var mutations: Int { environment["DIARIUM_FUZZ_MUTATIONS"].flatMap(Int.init) ?? 0 }

    /// Syntax spliced into mutated inputs.
    static let splices = ["<", ">", "</", "<!DOCTYPE x [<!ENTITY e \"ee\">]>", "&e;", "&#x10FFFF;", "\"", "=", "=?", "?=", "=?utf-8?b?",
                          "--", "\r\n", "\r\n\r\n", "Content-Type: multipart/mixed; boundary=b\n\n--b\n", ";", "*", "(", ")", "\"",
                          "-", ":", "..", "OR", "NOT", "year:", "dnr:", "title:", "\u{0}", "\u{FEFF}", "å", "ﬁ"].map { Array($0.utf8) }

    /// The `count` mutated copies of `bytes`, the same every run for the same `seed`.
    static func mutated(_ bytes: [UInt8], count: Int, seed: UInt64, maxLength: Int = 4096) -> [[UInt8]] {
        var random = SeededRandom(state: seed)
        func next(_ n: Int) -> Int { random.below(max(n, 1)) }
        let base = Array(bytes.prefix(maxLength))
        return (0..<count).map { _ in
            var b = base
            for _ in 0..<(1 + next(6)) {
                let at = next(b.count + 1)
                switch next(5) {
                case 0: b.insert(contentsOf: splices[next(splices.count)], at: at)
                case 1: if at < b.count { b[at] = UInt8(truncatingIfNeeded: next(256)) }
                case 2: b.removeSubrange(at..<min(b.count, at + next(64)))
                case 3: b = Array(b.prefix(at))
                default:  // repeat a slice
                    let from = next(b.count + 1), to = min(b.count, from + next(32))
                    b.insert(contentsOf: b[from..<to], at: min(at, b.count))
                }
            }
            return b
        }
    }

    @Test(arguments: FuzzTargets.names)
    func keptInputsDoNotCrash(target: String) throws {
        let files = Self.inputs(target) + Self.seeds(target)
        var runs = 0
        for (i, file) in files.enumerated() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            #expect(FuzzTargets.run(target, bytes: bytes), "\(file)")
            runs += 1
            for (j, m) in Self.mutated(bytes, count: Self.mutations, seed: UInt64(i + 1)).enumerated() {
                #expect(FuzzTargets.run(target, bytes: m), "\(file), mutation \(j + 1)")
                runs += 1
            }
        }
        if Self.environment["DIARIUM_FUZZ_SEEDS"] != nil {
            print("fuzz replay: \(target): \(files.count) inputs, \(runs) runs\(target == "query" ? (FuzzTargets.hasIndex ? ", with an index" : ", parse only") : "")")
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

import DiariumTestSupport
import Foundation
import Testing

/// A segment damaged on disk (its footer's last byte flipped: the checksum a merge checks no
/// longer holds) no longer fails every ingest whose merge policy picks it: the merge sets it
/// aside, the ingest succeeds with a warning that names the file and the remedy, the next
/// ingest does the same, and `diarium verify` names the file.
@Suite(.serialized) struct DamagedSegmentTests {
    @Test func anIngestSetsADamagedSegmentAsideAndWarns() throws {
        let s = try ScratchDirectory("e2e")
        func ingest(_ i: Int, json: Bool = false) throws -> Run {
            let line = "{\"path\":\"brev/\(i).txt\",\"title\":\"Brev \(i)\",\"text\":\"Beslut om skola nummer \(i) i nämnden.\"}\n"
            return try diarium(["ingest", "--jsonl", "-", "--index", "idx"] + (json ? ["--format", "json"] : []), in: s.path, input: Data(line.utf8))
        }
        // Nine ingests of one document: nine segments of the first size tier (a tier is merged
        // when it holds ten).
        for i in 0..<9 {
            let r = try ingest(i)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!r.stderr.contains("warning"), "\(r.stderr)")
        }
        let segments = s.path + "/idx/segments"
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: segments).filter { $0.hasSuffix(".seg") }.sorted().first)
        let url = URL(fileURLWithPath: segments + "/" + first)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 1] ^= 0x5A
        try bytes.write(to: url)

        // The tenth fills the tier: its merge fails on the damaged segment, which is set aside.
        let tenth = try ingest(9)
        #expect(tenth.status == 0, "\(tenth.stdout) \(tenth.stderr)")
        #expect(tenth.stdout.hasPrefix("added 1, updated 0, unchanged 0, failed 0"), "\(tenth.stdout)")
        let warning = try #require(tenth.stderr.split(separator: "\n").first { $0.hasPrefix("warning: a merge found a damaged segment") })
        #expect(warning.contains(first) && warning.contains("diarium verify") && warning.contains("--rebuild"), "\(warning)")

        // A new process does not remember it: it tries once, sets it aside again, and says so
        // in its JSON summary.
        let eleventh = try ingest(10, json: true)
        #expect(eleventh.status == 0, "\(eleventh.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(eleventh.stdout.utf8)) as? [String: Any])
        let warnings = try #require(summary["warnings"] as? [String])
        #expect(warnings.count == 1 && warnings[0].contains(first), "\(warnings)")
        #expect(summary["added"] as? Int == 1)

        // Nothing was lost, and verify names the file.
        let found = try diarium(["search", "beslut", "--index", "idx", "--count", "--format", "json"], in: s.path)
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.contains("\"total\" : 11") || found.stdout.contains("\"total\":11"), "\(found.stdout.prefix(300))")
        let verify = try diarium(["verify", "--index", "idx"], in: s.path)
        #expect(verify.status == 1)
        #expect(verify.stdout.split(separator: "\n").contains { $0.hasPrefix("error: idx/segments/" + first + ": ") }, "\(verify.stdout)")
    }
}

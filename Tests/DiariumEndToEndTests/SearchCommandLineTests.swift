import DiariumTestSupport
import Foundation
import Testing

/// A fresh `diarium search` reads the plain forms of its options itself (`SearchRequest.parse`)
/// and leaves every other command line to ArgumentParser. Both readers must run the same
/// search: each command line below is run as typed (the fast reader) and with `--limit`
/// given twice (ArgumentParser's reading: a repeated option is never read by the fast one,
/// and ArgumentParser keeps the last value), and the outputs must be identical.
@Suite(.serialized) struct SearchCommandLineTests {
    @Test func fastReaderAndArgumentParserRunTheSameSearch() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        #expect(try diarium(["ingest", corpus, "--index", index]).status == 0)
        let lines: [[String]] = [
            ["riskanalys", "2015"],
            ["--format", "json", "molntjänst"],
            ["--format=csv", "molntjänst", "--offset", "1"],
            ["molntjänst", "--sort", "date", "--count"],
            ["--explain", "DPIA", "year:2020..2022"],
            ["riskanalys", "--lang", "sv", "--offset=2"],
            ["\"Office 365\"", "--index=" + index],
        ]
        for line in lines {
            var args = ["search"] + line
            if !line.contains(where: { $0.hasPrefix("--index") }) { args += ["--index", index] }
            let fast = try diarium(args + ["--limit", "3"])
            let parsed = try diarium(args + ["--limit", "7", "--limit", "3"])
            #expect(fast.status == 0, "\(line): \(fast.stderr)")
            #expect(!fast.stdout.isEmpty, "\(line)")
            #expect(fast.stdout == parsed.stdout, "\(line)")
            #expect(fast.stderr == parsed.stderr, "\(line)")
            #expect(fast.status == parsed.status, "\(line)")
        }
        // The index from the environment, and a missing index: the same message and status.
        let env = ["DIARIUM_INDEX": index]
        #expect(try diarium(["search", "riskanalys"], environment: env).stdout
                == diarium(["search", "riskanalys", "--limit", "10", "--limit", "10"], environment: env).stdout)
        let missing = try diarium(["search", "x", "--index", s.path + "/nothing"])
        let missingParsed = try diarium(["search", "x", "--index", s.path + "/nothing", "--limit", "1", "--limit", "10"])
        #expect(missing.status == 3 && missing.status == missingParsed.status)
        #expect(missing.stderr == missingParsed.stderr && !missing.stderr.isEmpty)
    }
}

import DiariumTestSupport
import Foundation
import Testing

/// The exit statuses are the same for every command: 0 ok, 1 problems found or failed,
/// 2 usage, 3 index unusable (README, `diarium help`).
@Suite struct ExitStatusTests {
    @Test func usageMistakesExitTwoWithOneMessageOnStandardError() throws {
        for arguments in [["search", "--limit", "abc", "x"], ["bogus"], ["list", "--year", "twenty"], ["show"], ["serve", "--port", "70000"]] {
            let r = try diarium(arguments)
            #expect(r.status == 2, "\(arguments): \(r.status) \(r.stderr)")
            #expect(r.stderr.hasPrefix("Error: "), "\(arguments): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(arguments)")
        }
    }

    @Test func anUnusableIndexExitsThree() throws {
        let s = try ScratchDirectory("e2e")
        let missing = s.path + "/no-index"
        for command in ["search", "list", "show", "stats", "report", "duplicates", "serve"] {
            var arguments = [command, "--index", missing]
            if command == "serve" { arguments += ["--port", "0"] }
            if command == "search" { arguments.append("riskanalys") }
            if command == "show" { arguments.append("1") }
            let r = try diarium(arguments)
            #expect(r.status == 3, "\(command): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("diarium ingest"), "\(command) names the remedy: \(r.stderr)")
        }
    }

    @Test func versionAndHelpExitZeroOnStandardOutput() throws {
        let version = try diarium(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.contains("catalog format v") && version.stdout.contains("segment format v"))
        for command in ["ingest", "search", "list", "show", "report", "duplicates", "extract", "analyze", "verify", "stats", "optimize", "serve"] {
            let help = try diarium(["help", command])
            #expect(help.status == 0, "\(command)")
            #expect(help.stdout.contains("Examples:\n  diarium \(command)"), "help \(command) shows an example")
        }
    }
}

import Foundation
import Testing
@testable import DiariumExtraction

/// The runner against real programs from coreutils, dash and python3.
@Suite struct ChildProcessTests {
    static let sh = ExternalProgram(name: "sh", package: "dash", license: "BSD-3-Clause")
    static let cat = ExternalProgram(name: "cat", package: "coreutils", license: "GPL-3.0-or-later")
    static let python = ExternalProgram(name: "python3", package: "python3", license: "PSF-2.0")

    func shell(_ script: String, limits: ChildProcess.Limits = .init(seconds: 10)) throws -> ChildProcess.Result {
        try ChildProcess.run(Self.sh, arguments: ["-c", script], limits: limits)
    }

    @Test func passesStandardInputAndCapturesOutput() throws {
        let input = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let r = try ChildProcess.run(Self.cat, arguments: [], stdin: input, limits: .init(seconds: 10))
        #expect(r.succeeded)
        #expect(r.stdout == input)
    }

    @Test func standardInputIsDevNullByDefault() throws {
        let r = try ChildProcess.run(Self.cat, arguments: [], limits: .init(seconds: 10))
        #expect(r.succeeded && r.stdout.isEmpty)
    }

    @Test func reportsExitStatusAndStandardError() throws {
        let r = try shell("echo 'Syntax Error: broken xref' >&2; exit 3")
        #expect(r.exitStatus == 3 && !r.succeeded && r.killed == nil)
        #expect(r.stderr == "Syntax Error: broken xref\n")
        #expect(r.summary(limits: .init(seconds: 1)) == "exit status 3: Syntax Error: broken xref")
    }

    @Test func killsTheWholeGroupAtTheTimeLimit() throws {
        let start = Date()
        // The grandchild holds the pipe open too: only a kill of the group ends the run.
        let r = try shell("sleep 60 & sleep 60", limits: .init(seconds: 0.5))
        #expect(r.killed == .time)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(r.summary(limits: .init(seconds: 0.5)).hasPrefix("killed after the 0.5-second limit"))
    }

    @Test func capsStandardOutput() throws {
        let r = try shell("while :; do echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; done", limits: .init(seconds: 20, output: 100_000))
        #expect(r.killed == .output)
        #expect(r.stdout.count == 100_000)
    }

    @Test func limitsAddressSpace() throws {
        let r = try ChildProcess.run(Self.python, arguments: ["-c", "x = bytearray(2 << 30)"],
                                     limits: .init(seconds: 20, memory: 256 << 20))
        #expect(r.killed == .memory)
        let unlimited = try ChildProcess.run(Self.python, arguments: ["-c", "x = bytearray(300 << 20)"],
                                             limits: .init(seconds: 20, memory: nil))
        #expect(unlimited.succeeded)
    }

    @Test func closesEveryOtherDescriptor() throws {
        // An open file of the parent's must not reach the child.
        let handle = try #require(FileHandle(forReadingAtPath: "/etc/hostname") ?? FileHandle(forReadingAtPath: "/etc/passwd"))
        defer { try? handle.close() }
        let r = try shell("ls /proc/$$/fd")
        let fds = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(fds == ["0", "1", "2"])
    }

    @Test func runsInAnEmptyPrivateDirectoryWithAMinimalEnvironment() throws {
        let r = try ChildProcess.run(Self.sh, arguments: ["-c", "pwd; ls -A; env | cut -d= -f1 | sort"],
                                     environment: ["OMP_THREAD_LIMIT": "1"], limits: .init(seconds: 10))
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        let dir = try #require(lines.first)
        #expect(dir != FileManager.default.currentDirectoryPath && dir.contains("diarium-child-"))
        #expect(!FileManager.default.fileExists(atPath: dir), "the working directory is removed afterwards")
        // `ls -A` printed nothing; env printed the minimal set (dash adds PWD itself).
        #expect(Set(lines.dropFirst()).subtracting(["PWD"]) == ["HOME", "LC_ALL", "OMP_THREAD_LIMIT", "PATH", "TMPDIR"])
    }

    @Test func mayNotWriteFiles() throws {
        let r = try shell("echo leaked > f && echo wrote")
        #expect(String(decoding: r.stdout, as: UTF8.self) != "wrote\n")
    }

    @Test func namesTheMissingProgramAndItsPackage() {
        let missing = ExternalProgram(name: "diarium-no-such-program", package: "diarium-tools", license: "")
        #expect(throws: ChildProcessError.notInstalled(missing)) {
            try ChildProcess.run(missing, arguments: [], limits: .init(seconds: 1))
        }
        #expect(ChildProcessError.notInstalled(.pdftotext).description == "pdftotext is not installed: apt-get install poppler-utils")
    }

    @Test func runsFromManyThreadsAtOnce() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<24 {
                group.addTask {
                    let input = Array("child \(i)\n".utf8) + [UInt8](repeating: UInt8(i), count: 70_000)
                    let r = try ChildProcess.run(Self.cat, arguments: [], stdin: input, limits: .init(seconds: 20))
                    return r.succeeded && r.stdout == input
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}

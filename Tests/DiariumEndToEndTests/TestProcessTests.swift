import DiariumTestSupport
import Foundation
import Testing

/// The tests' one process runner (`DiariumTestSupport.TestProcess`).
@Suite struct TestProcessTests {
    /// A child that writes 1 MiB to standard error before 1 MiB to standard output. A runner
    /// that reads standard output to its end first waits for ever: the child blocks once the
    /// 64 KiB standard error pipe is full.
    @Test func bothPipesPastTheirBufferComplete() throws {
        let r = try TestProcess.run(["sh", "-c", "head -c 1048576 /dev/zero | tr '\\000' e >&2; head -c 1048576 /dev/zero | tr '\\000' o"],
                                    timeLimit: 60)
        #expect(r.status == 0 && r.signal == nil)
        #expect(r.stderr.count == 1 << 20 && r.stderr.allSatisfy { $0 == UInt8(ascii: "e") })
        #expect(r.stdout.count == 1 << 20 && r.stdout.allSatisfy { $0 == UInt8(ascii: "o") })
    }

    /// 4 MiB of input echoed back while it is being written: input and output pipes both full.
    @Test func inputIsWrittenWhileOutputIsRead() throws {
        var random = SeededRandom(state: 18)
        let input = Data((0..<(4 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) })
        let r = try TestProcess.run(["cat"], input: input, timeLimit: 60)
        #expect(r.status == 0 && r.stdout == input)
        // A child that reads none of its input is not an error of the runner.
        let ignoring = try TestProcess.run(["true"], input: input, timeLimit: 60)
        #expect(ignoring.status == 0)
    }

    @Test func environmentAndDirectory() throws {
        let s = try ScratchDirectory()
        let r = try TestProcess.run(["/bin/sh", "-c", "echo \"$DIARIUM_PROBE\"; pwd -P; echo fel >&2; exit 3"],
                                    environment: ["DIARIUM_PROBE": "åäö"], directory: s.path)
        let real = URL(fileURLWithPath: s.path).resolvingSymlinksInPath().path  // pwd -P: /tmp may be a link
        #expect(r.status == 3 && r.stderrText == "fel\n")
        #expect(r.stdoutText == "åäö\n\(real)\n", "\(r.stdoutText)")
    }

    @Test func timeLimitKillsAndThrows() throws {
        // Unkilled, sleep would end normally after 30 s and nothing would be thrown.
        #expect(throws: TestProcess.TimedOut.self) { try TestProcess.run(["sleep", "30"], timeLimit: 0.5) }
    }

    @Test func stopWhenKills() throws {
        let start = Date()
        let r = try TestProcess.run(["sh", "-c", "echo ready; exec sleep 30"], timeLimit: 60) { Date().timeIntervalSince(start) > 0.3 }
        #expect(r.stopped && r.signal == SIGKILL)
        #expect(r.stdoutText == "ready\n")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The one way the tests run a program (the `diarium` binary, python3, qpdf, soffice,
/// chromium, …). The product's own children go through `DiariumExtraction.ChildProcess`; this
/// is its test-side counterpart, with what tests need instead: the caller's environment and
/// working directory, and the whole output kept.
///
/// Standard input, output and error are pumped by one `poll(2)` loop, so a child that fills
/// one pipe while the test waits on another cannot deadlock it (reading standard output to
/// its end before standard error hangs as soon as the child writes more than the pipe's
/// 64 KiB to standard error first). A child still running at the time limit is SIGKILLed and
/// the run throws `TestProcess.TimedOut`.
public enum TestProcess {
    /// How a run ended and everything it wrote.
    public struct Output: Sendable {
        /// The exit status, or the signal number when `signal` is set.
        public var status: Int32
        /// Set when a signal ended the child (SIGKILL after `stopWhen` said so, for one).
        public var signal: Int32?
        public var stdout: Data
        public var stderr: Data
        /// Whether `stopWhen` ended the run (the child was SIGKILLed).
        public var stopped: Bool
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// The child outlived its time limit and was killed; what it wrote until then.
    public struct TimedOut: Error, CustomStringConvertible {
        public var command: [String]
        public var seconds: Double
        public var stdout: Data
        public var stderr: Data
        public var description: String {
            "\(command.joined(separator: " ")) was still running after \(seconds) s and was killed; "
                + "standard error so far: \(String(decoding: stderr.suffix(2000), as: UTF8.self))"
        }
    }

    /// Runs `command` (`command[0]` is a path, or a name looked up on `PATH` by `/usr/bin/env`)
    /// to its end and returns its output.
    /// - Parameters:
    ///   - input: written to its standard input (closed afterwards); nil gives it `/dev/null`.
    ///   - environment: its whole environment; nil inherits the test process's.
    ///   - directory: its working directory; nil inherits the test process's.
    ///   - timeLimit: wall-clock seconds before it is killed and `TimedOut` thrown.
    ///   - stopWhen: asked about every 50 ms while it runs; returning true SIGKILLs it and the
    ///     run returns with `stopped` set (what it wrote until then is kept).
    public static func run(_ command: [String], input: Data? = nil, environment: [String: String]? = nil,
                           directory: String? = nil, timeLimit: Double = 600,
                           stopWhen: (() -> Bool)? = nil) throws -> Output {
        precondition(!command.isEmpty, "no program to run")
        let p = Process()
        if command[0].contains("/") {
            p.executableURL = URL(fileURLWithPath: command[0])
            p.arguments = Array(command.dropFirst())
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = command
        }
        if let environment { p.environment = environment }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        let inPipe = input.map { _ in Pipe() }
        p.standardInput = inPipe ?? FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = err
        // A child that exits before reading all its input must give EPIPE, not kill the tests.
        signal(SIGPIPE, SIG_IGN)
        try p.run()

        var outBytes = Data(), errBytes = Data()
        var outFD: Int32? = out.fileHandleForReading.fileDescriptor
        var errFD: Int32? = err.fileHandleForReading.fileDescriptor
        var inFD: Int32? = inPipe?.fileHandleForWriting.fileDescriptor
        let pending = input ?? Data()
        var written = 0
        if let fd = inFD {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if pending.isEmpty { try? inPipe?.fileHandleForWriting.close(); inFD = nil }
        }
        func closeInput() {
            try? inPipe?.fileHandleForWriting.close()
            inFD = nil
        }

        let deadline = Date().addingTimeInterval(timeLimit)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var stopped = false, timedOut = false
        var asked = Date.distantPast
        while outFD != nil || errFD != nil {
            if let stopWhen, asked.timeIntervalSinceNow <= -0.05 {
                asked = Date()
                if stopWhen() { stopped = true; break }
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { timedOut = true; break }
            var fds: [pollfd] = []
            for fd in [outFD, errFD].compactMap({ $0 }) { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            if let fd = inFD { fds.append(pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, stopWhen == nil ? 1 : 0.05) * 1000) + 1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            for f in fds where f.revents != 0 {
                if f.fd == inFD {
                    let n = pending.withUnsafeBytes { raw in
                        write(f.fd, raw.baseAddress! + written, raw.count - written)
                    }
                    if n > 0 {
                        written += n
                        if written == pending.count { closeInput() }
                    } else if n < 0 && errno != EAGAIN && errno != EINTR {
                        closeInput()  // EPIPE: the child stopped reading.
                    }
                    continue
                }
                let n = buffer.withUnsafeMutableBytes { read(f.fd, $0.baseAddress!, $0.count) }
                if n > 0 {
                    if f.fd == outFD { outBytes.append(contentsOf: buffer[0..<n]) } else { errBytes.append(contentsOf: buffer[0..<n]) }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    if f.fd == outFD { outFD = nil } else { errFD = nil }
                }
            }
        }
        if inFD != nil { closeInput() }
        if stopped || timedOut, p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        if timedOut { throw TimedOut(command: command, seconds: timeLimit, stdout: outBytes, stderr: errBytes) }
        return Output(status: p.terminationStatus,
                      signal: p.terminationReason == .uncaughtSignal ? p.terminationStatus : nil,
                      stdout: outBytes, stderr: errBytes, stopped: stopped)
    }
}

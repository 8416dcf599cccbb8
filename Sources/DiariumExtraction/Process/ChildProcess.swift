#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSpawn
import Foundation
import Synchronization

/// A program diarium runs as a child process, with the Debian package that installs it and
/// that package's licence (the README lists them). Other modules add their programs in
/// extensions (`extension ExternalProgram { static let tesseract = … }`).
public struct ExternalProgram: Sendable, Hashable, CustomStringConvertible {
    /// The executable's name, looked up on `PATH` (or an absolute path).
    public let name: String
    /// The Debian package that installs it, for the "not installed" message.
    public let package: String
    /// The package's licence (SPDX), for the README's list.
    public let license: String

    /// A program called `name`, installed by the Debian `package` under `license`.
    public init(name: String, package: String, license: String) {
        self.name = name
        self.package = package
        self.license = license
    }

    public var description: String { name }

    /// poppler's PDF-to-text converter.
    public static let pdftotext = ExternalProgram(name: "pdftotext", package: "poppler-utils", license: "GPL-2.0-only OR GPL-3.0-only")
    /// poppler's PDF information dumper (document information dictionary, XMP, encryption).
    public static let pdfinfo = ExternalProgram(name: "pdfinfo", package: "poppler-utils", license: "GPL-2.0-only OR GPL-3.0-only")
}

/// Why a child process could not be run at all. (A program that ran and failed is a
/// `ChildProcess.Result` with its exit status.)
public enum ChildProcessError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The program is not on `PATH`.
    case notInstalled(ExternalProgram)
    /// fork, exec, a pipe or the private working directory failed with this errno.
    case spawnFailed(program: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case let .notInstalled(p): return "\(p.name) is not installed: apt-get install \(p.package)"
        case let .spawnFailed(program, operation, errno):
            return "\(program) could not be started (\(operation): \(String(cString: strerror(errno))))"
        }
    }
}

/// The one runner for external programs (poppler, tesseract, catdoc, …). An untrusted file can
/// make its program loop, allocate without end or print without end; the runner bounds all
/// three and the ingest goes on.
///
/// Every child gets:
/// - standard input from `/dev/null`, or the given bytes;
/// - a fresh, empty, private working directory (mode 0700), removed afterwards;
/// - a minimal environment (`PATH`, `LC_ALL=C.UTF-8`, `HOME`/`TMPDIR` = the working directory)
///   plus the caller's additions (`OMP_THREAD_LIMIT=1`);
/// - no other file descriptors (closed between fork and exec), its own process group;
/// - `RLIMIT_AS` (`Limits.memory`), `RLIMIT_CPU` (a backstop at twice the wall-clock limit),
///   `RLIMIT_FSIZE` 0 unless raised (it may write only to its pipes) and no core dumps;
/// - a wall-clock limit after which its whole process group is SIGKILLed;
/// - a cap on the bytes of standard output and error kept; past it the group is SIGKILLed.
///
/// Thread-safe: the fork happens in C (`CSpawn`) with only async-signal-safe calls before exec,
/// and all descriptors are close-on-exec, so many worker threads may run children at once.
public enum ChildProcess {
    /// The bounds of one run.
    public struct Limits: Sendable, Equatable {
        /// Wall-clock seconds before the process group is killed.
        public var seconds: Double
        /// Bytes of address space (`RLIMIT_AS`); nil leaves it unlimited.
        public var memory: Int?
        /// Bytes of standard output kept; more kills the child.
        public var output: Int
        /// Bytes of standard error kept (the rest is drained and dropped, never a kill).
        public var errorOutput: Int
        /// Bytes a regular file the child writes may reach (`RLIMIT_FSIZE`); 0, the default,
        /// lets it write only to its pipes. Raise it for a program that can only write its
        /// result into its working directory.
        public var fileSize: Int = 0

        /// Limits of `seconds` wall-clock time, `memory` bytes of address space and `output`
        /// bytes of standard output (standard error is cut at 64 KiB).
        public init(seconds: Double, memory: Int? = 1 << 30, output: Int = 64 << 20, errorOutput: Int = 64 << 10) {
            self.seconds = seconds
            self.memory = memory
            self.output = output
            self.errorOutput = errorOutput
        }
    }

    /// Why the runner killed a child.
    public enum Kill: String, Sendable, Equatable {
        /// The wall-clock limit passed.
        case time
        /// The child ran out of address space (inferred: it died of SIGSEGV/SIGABRT/SIGBUS or
        /// said so on standard error while `Limits.memory` was set).
        case memory
        /// Standard output passed `Limits.output`.
        case output
    }

    /// What a finished child left.
    public struct Result: Sendable {
        /// The exit status, when the child exited.
        public var exitStatus: Int32?
        /// The signal that ended the child, when one did.
        public var signal: Int32?
        /// Standard output (at most `Limits.output` bytes).
        public var stdout: [UInt8]
        /// Standard error as text (at most `Limits.errorOutput` bytes, invalid UTF-8 repaired).
        public var stderr: String
        /// Why the child was stopped, when it did not end on its own (or ran out of memory).
        public var killed: Kill?

        /// Whether the child exited with status 0 and was not killed.
        public var succeeded: Bool { exitStatus == 0 && killed == nil }

        /// A short account for error messages: `exit status 1: <first stderr line>`,
        /// `killed after 30 s`, ….
        public func summary(limits: Limits) -> String {
            switch killed {
            case .time: return "killed after the \(ChildProcess.format(limits.seconds))-second limit per file (raise it with --parse-time-limit)"
            case .memory: return "ran out of its \(limits.memory.map { "\($0 >> 20) MiB" } ?? "") memory limit"
            case .output: return "printed more than \(limits.output >> 20) MiB"
            case nil: break
            }
            let line = stderr.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            let head = signal.map { "killed by signal \($0)" } ?? "exit status \(exitStatus ?? -1)"
            return line.isEmpty ? head : "\(head): \(String(line.prefix(200)))"
        }
    }

    /// The absolute path of `program` on `PATH` (or `program` itself when it has a slash and is
    /// executable), nil when it is not installed. Looked up once per name.
    public static func locate(_ program: String) -> String? {
        locations.withLock { cache in
            if let hit = cache[program] { return hit }
            let found = search(program)
            cache[program] = found
            return found
        }
    }

    /// Runs `program` with `arguments` under `limits` and waits for it.
    /// - Parameters:
    ///   - stdin: bytes for standard input; nil gives `/dev/null`.
    ///   - environment: variables added to the minimal environment.
    /// - Throws: `ChildProcessError` when the program is missing or cannot be started.
    public static func run(_ program: ExternalProgram, arguments: [String], stdin: [UInt8]? = nil,
                           environment: [String: String] = [:], limits: Limits) throws(ChildProcessError) -> Result {
        guard let path = locate(program.name) else { throw .notInstalled(program) }
        return try run(path: path, program: program, arguments: arguments, stdin: stdin, environment: environment, limits: limits)
    }

    // MARK: - Implementation

    private static let locations = Mutex<[String: String?]>([:])

    /// `mkdtemp`'s template for the private working directories, in the temporary directory.
    private static let workDirTemplate = Array((NSTemporaryDirectory() + "/diarium-child-XXXXXX").utf8CString)

    private static func search(_ program: String) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(program)"
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    private static func run(path: String, program: ExternalProgram, arguments: [String], stdin: [UInt8]?,
                            environment: [String: String], limits: Limits) throws(ChildProcessError) -> Result {
        let name = program.name
        // A private, empty working directory.
        var template = workDirTemplate
        guard let dirPointer = mkdtemp(&template) else {
            throw .spawnFailed(program: name, operation: "mkdtemp", errno: errno)
        }
        let workDir = String(cString: dirPointer)
        // Nearly always still empty: one rmdir(2). Only what a child left in it needs the walk.
        defer { if rmdir(workDir) != 0 { try? FileManager.default.removeItem(atPath: workDir) } }

        var env = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": workDir, "TMPDIR": workDir]
        for (k, v) in environment { env[k] = v }

        // Pipes: [read, write], all close-on-exec (the child gets dup2'd copies).
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1], inPipe: [Int32] = [-1, -1]
        var toClose: [Int32] = []
        defer { for fd in toClose where fd >= 0 { close(fd) } }
        func makePipe(_ p: inout [Int32]) throws(ChildProcessError) {
            let e = p.withUnsafeMutableBufferPointer { diarium_pipe_cloexec($0.baseAddress!) }
            guard e == 0 else { throw .spawnFailed(program: name, operation: "pipe", errno: e) }
            toClose += p
        }
        try makePipe(&outPipe)
        try makePipe(&errPipe)
        let stdinFD: Int32
        if stdin != nil {
            try makePipe(&inPipe)
            stdinFD = inPipe[0]
        } else {
            stdinFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard stdinFD >= 0 else { throw .spawnFailed(program: name, operation: "open /dev/null", errno: errno) }
            toClose.append(stdinFD)
        }

        var spawnLimits = diarium_spawn_limits()
        spawnLimits.address_space = UInt64(max(0, limits.memory ?? 0))
        spawnLimits.cpu_seconds = UInt64(max(1, (limits.seconds * 2).rounded(.up)))
        spawnLimits.file_size = UInt64(max(0, limits.fileSize))

        var pid: pid_t = 0
        let spawnErrno = withCStrings([path] + arguments) { argv in
            withCStrings(env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }) { envp in
                diarium_spawn(path, argv, envp, workDir, stdinFD, outPipe[1], errPipe[1], spawnLimits, &pid)
            }
        }
        // The parent keeps only its ends.
        for fd in [outPipe[1], errPipe[1], stdinFD] {
            close(fd)
            toClose.removeAll { $0 == fd }
        }
        if spawnErrno != 0 {
            if spawnErrno == ENOENT { throw .notInstalled(program) }
            throw .spawnFailed(program: name, operation: "exec", errno: spawnErrno)
        }

        var io = PipeIO(stdoutFD: outPipe[0], stderrFD: errPipe[0], stdinFD: stdin != nil ? inPipe[1] : -1,
                        input: stdin ?? [], limits: limits)
        if stdin != nil { toClose.removeAll { $0 == inPipe[1] } }   // PipeIO closes it when written
        let killed = io.pump(deadline: DispatchTime.now().uptimeNanoseconds &+ UInt64(max(0, limits.seconds) * 1e9))
        if killed != nil { kill(-pid, SIGKILL) }

        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Descendants the child left behind in its group go too.
        kill(-pid, SIGKILL)

        var result = Result(exitStatus: nil, signal: nil, stdout: io.out,
                            stderr: String(decoding: io.err, as: UTF8.self), killed: killed)
        let termSignal = status & 0x7F
        if termSignal == 0 { result.exitStatus = (status >> 8) & 0xFF } else { result.signal = termSignal }
        if result.killed == nil, limits.memory != nil, looksOutOfMemory(result) { result.killed = .memory }
        return result
    }

    /// Whether a child's end looks like running out of address space.
    static func looksOutOfMemory(_ r: Result) -> Bool {
        if let s = r.signal, s == SIGSEGV || s == SIGABRT || s == SIGBUS { return true }
        let e = r.stderr
        return e.contains("bad_alloc") || e.contains("Out of memory") || e.contains("Cannot allocate memory")
            || e.contains("out of memory") || (r.exitStatus ?? 0 != 0 && e.contains("MemoryError"))
    }

    /// Calls `body` with a NULL-terminated C array of the strings.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for p in pointers { free(p) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// Moves bytes between the parent and a child's pipes with poll(2) until both output pipes
/// close, the deadline passes or standard output passes its cap.
private struct PipeIO {
    let stdoutFD: Int32, stderrFD: Int32
    var stdinFD: Int32
    let input: [UInt8]
    var written = 0
    let limits: ChildProcess.Limits
    var out: [UInt8] = []
    var err: [UInt8] = []

    init(stdoutFD: Int32, stderrFD: Int32, stdinFD: Int32, input: [UInt8], limits: ChildProcess.Limits) {
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        self.stdinFD = stdinFD
        self.input = input
        self.limits = limits
        if stdinFD >= 0 {
            _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
            if input.isEmpty { closeInput() }
        }
    }

    mutating func closeInput() {
        if stdinFD >= 0 { close(stdinFD) }
        stdinFD = -1
    }

    /// Returns why the child must be killed, or nil when its output pipes closed.
    mutating func pump(deadline: UInt64) -> ChildProcess.Kill? {
        defer { closeInput() }
        var outOpen = true, errOpen = true
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while outOpen || errOpen {
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline { return .time }
            let waitMS = Int32(min(1_000, (deadline - now) / 1_000_000 + 1))
            var fds: [pollfd] = []
            if outOpen { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if errOpen { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), waitMS)
            if ready < 0 { if errno == EINTR { continue } else { return .time } }
            if ready == 0 { continue }
            for p in fds where p.revents != 0 {
                if p.fd == stdinFD {
                    let n = input.withUnsafeBytes { raw in
                        write(stdinFD, raw.baseAddress! + written, min(input.count - written, 1 << 16))
                    }
                    if n > 0 { written += n }
                    if n < 0 && errno != EAGAIN && errno != EINTR || written >= input.count { closeInput() }
                    continue
                }
                let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress!, $0.count) }
                if n < 0 { if errno == EINTR || errno == EAGAIN { continue } }
                if n <= 0 {
                    if p.fd == stdoutFD { outOpen = false } else { errOpen = false }
                    continue
                }
                if p.fd == stdoutFD {
                    if out.count + n > limits.output {
                        out.append(contentsOf: buffer[0..<(limits.output - out.count)])
                        return .output
                    }
                    out.append(contentsOf: buffer[0..<n])
                } else if err.count < limits.errorOutput {
                    err.append(contentsOf: buffer[0..<min(n, limits.errorOutput - err.count)])
                }
            }
        }
        return nil
    }
}

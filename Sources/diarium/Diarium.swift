import ArgumentParser
import DiariumExtraction
import DiariumIndex
import DiariumOutput
import DiariumSearch
import Foundation

/// The `diarium` command and its subcommands.
///
/// Every command names itself (`commandName`): without one, ArgumentParser derives the name
/// from `String(describing: Self.self)` for each subcommand as it builds the command tree at
/// every start, and each such call asks the runtime for the metatype's conformances to the
/// description protocols, a walk over all of the static binary's conformance records (15.2 M
/// of `diarium --version`'s 24.4 M instructions; docs/benchmarks.md, "The fresh process's start").
@main
struct Diarium: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diarium",
        abstract: "Inventory and full-text search for batches of released Swedish public documents.",
        version: Help.version,
        subcommands: [Ingest.self, Search.self, List.self, Show.self, Stats.self, Extract.self, Analyze.self, Verify.self, Optimize.self, Report.self, Duplicates.self, Serve.self])

    /// Runs the command and exits with the documented status (`ExitStatus`); an error is one
    /// message on standard error, help and the version go to standard output.
    static func main() {
        do {
            let args = Array(CommandLine.arguments.dropFirst())
            if args.first == "search", let request = SearchRequest.parse(Array(args.dropFirst())) {
                try request.runAndExit()
            }
            var command = try parseFast(args) ?? parseAsRoot()
            try command.run()
        } catch {
            let status = ExitStatus(error)
            guard status != .success else { exit(withError: error) }
            Terminal.writeError(fullMessage(for: error) + "\n")
            Foundation.exit(status.rawValue)
        }
    }
}

extension Diarium {
    /// `search`, the command a fresh process answers most often (from a script, an editor, another
    /// tool), is first read without ArgumentParser (`SearchRequest.parse`, the plain forms of its
    /// options); a command line that does not read cleanly is parsed as a root of its own: building the whole command tree costs more than the
    /// search itself on a small index (ArgumentParser names and reflects every subcommand,
    /// each a run of the Swift runtime's conformance scans). A command line it does not parse
    /// cleanly (a usage error, `--help`) is parsed again the ordinary way, so messages and help
    /// are the same as without this path. Returns nil for any other command line.
    static func parseFast(_ args: [String]) -> ParsableCommand? {
        switch args.first {
        case "search": return try? Search.parseAsRoot(Array(args.dropFirst()))
        default: return nil
        }
    }
}

/// The exit statuses, the same for every command (README, `diarium help`).
enum ExitStatus: Int32 {
    /// Done; for `verify`, no error found.
    case success = 0
    /// Problems found (`verify`) or the command failed (a file could not be written, …).
    case failure = 1
    /// A mistake in the command line: an unknown option, a value out of range, a missing argument.
    case usage = 2
    /// The index cannot be used: missing, locked by another writer, damaged, or of another format.
    case indexUnusable = 3

    init(_ error: Error) {
        if let e = error as? UserError, let status = e.status { self = status; return }
        if error is IndexError { self = ExitStatus(indexError: error); return }
        switch Diarium.exitCode(for: error) {
        case .success: self = .success
        case .validationFailure: self = .usage
        default: self = .failure
        }
    }

    private init(indexError: Error) {
        if case IndexError.io? = indexError as? IndexError { self = .failure } else { self = .indexUnusable }
    }
}

/// Options shared by every command that opens an index.
struct IndexOptions: ParsableArguments {
    @Option(name: .customLong("index"), help: "Index directory (default: $DIARIUM_INDEX, else ./index).")
    var directory: String?

    var path: String { IndexOptions.resolve(directory) }

    /// `directory`, else `$DIARIUM_INDEX` when set and not empty, else `index`.
    static func resolve(_ directory: String?) -> String {
        if let directory { return directory }
        if let env = getenv("DIARIUM_INDEX"), env.pointee != 0 { return String(cString: env) }
        return "index"
    }

    func validate() throws {
        if directory == "" { throw ValidationError("--index takes a folder, not an empty path") }
    }
}

/// Limits for reading untrusted files, shared by `ingest` and `extract`.
struct LimitOptions: ParsableArguments {
    @Option(help: "Largest file to read, in MiB.")
    var maxFileSize: Int = 256

    @Option(help: "Seconds a file's parse may take before it is given up.")
    var parseTimeLimit: Double = 30

    var maxFileBytes: Int { maxFileSize << 20 }

    func validate() throws {
        try OptionBounds.check(maxFileSize, OptionBounds.mebibytes, "--max-file-size", "MiB from 1 to 1048576 (1 TiB)")
        try OptionBounds.check(parseTimeLimit, 0.001...86_400, "--parse-time-limit", "seconds from 0.001 to 86400 (a day)")
    }
}

/// The ranges of numeric options. A value outside is a usage error naming the option and the
/// range (ArgumentParser's exit code 64, like any other usage error), so no size wraps in a
/// shift, no count traps in an addition and no thread count exhausts the machine.
enum OptionBounds {
    /// Sizes in MiB: 1 MiB to 1 TiB.
    static let mebibytes = 1...(1 << 20)
    /// Worker threads: 1 to four per core.
    static let threads = 1...(4 * max(1, ProcessInfo.processInfo.activeProcessorCount))
    /// Hits to show or skip.
    static let page = 0...1_000_000_000

    static func check(_ value: Int, _ range: ClosedRange<Int>, _ option: String, _ meaning: String) throws {
        guard range.contains(value) else { throw ValidationError("\(option) takes \(meaning), not \(value)") }
    }

    /// Also refuses NaN and infinities (`ClosedRange.contains` is false for NaN).
    static func check(_ value: Double, _ range: ClosedRange<Double>, _ option: String, _ meaning: String) throws {
        guard value.isFinite, range.contains(value) else { throw ValidationError("\(option) takes \(meaning), not \(value)") }
    }
}

/// How scanned pages and images are read, shared by `ingest` and `extract`.
struct OCROptions: ParsableArguments {
    @Option(help: "OCR: auto (pages without a usable text layer, and images), off, or force (every page).")
    var ocr: OCRMode = .auto

    @Option(help: "Pages read by OCR per document at most; a document cut short gets a note.")
    var ocrMaxPages: Int = 500

    @Option(help: "Seconds OCR may take per page.")
    var ocrPageTimeLimit: Double = 60

    @Option(help: "Tesseract languages, '+'-joined.")
    var ocrLanguages: String = "swe+eng"

    var engine: OCREngine { OCREngine(languages: ocrLanguages, pageTimeLimit: max(1, ocrPageTimeLimit)) }
}

extension OCRMode: ExpressibleByArgument {}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// A failure worded for the user, printed as `Error: …`; its exit status follows the error it
/// wraps (an `IndexError` that makes the index unusable exits 3, see `ExitStatus`) or is given.
/// The text often names a received file, so it is made safe for a terminal (`SafeText.block`).
struct UserError: Error, CustomStringConvertible {
    let description: String
    /// The exit status, when the wrapped error decides one.
    let status: ExitStatus?
    init(_ error: Error) {
        description = SafeText.block(String(describing: error))
        if case SearchError.query? = error as? SearchError {
            status = .usage
        } else {
            status = error is IndexError ? ExitStatus(error) : nil
        }
    }
    init(message: String, status: ExitStatus? = nil) { description = SafeText.block(message); self.status = status }
}

/// Runs `body`, rewording any failure for the user.
func reporting<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as UserError { throw e } catch { throw UserError(error) }
}

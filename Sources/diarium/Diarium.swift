import ArgumentParser
import DiariumExtraction
import Foundation

@main
struct Diarium: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diarium",
        abstract: "Inventory and full-text search for batches of released Swedish public documents.",
        subcommands: [Ingest.self, Search.self, List.self, Show.self, Stats.self, Extract.self, Analyze.self, Verify.self, Optimize.self, Report.self, Duplicates.self])
}

/// Options shared by every command that opens an index.
struct IndexOptions: ParsableArguments {
    @Option(name: .customLong("index"), help: "Index directory (default: $DIARIUM_INDEX, else ./index).")
    var directory: String?

    var path: String {
        if let directory { return directory }
        if let env = ProcessInfo.processInfo.environment["DIARIUM_INDEX"], !env.isEmpty { return env }
        return "index"
    }
}

/// Limits for reading untrusted files, shared by `ingest` and `extract`.
struct LimitOptions: ParsableArguments {
    @Option(help: "Largest file to read, in MiB.")
    var maxFileSize: Int = 256

    @Option(help: "Seconds a file's parse may take before it is given up.")
    var parseTimeLimit: Double = 30

    var maxFileBytes: Int { max(1, maxFileSize) << 20 }
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

/// A failure worded for the user; ArgumentParser prints it as `Error: …` and exits 1.
struct UserError: Error, CustomStringConvertible {
    let description: String
    init(_ error: Error) { description = String(describing: error) }
    init(message: String) { description = message }
}

/// Runs `body`, rewording any failure for the user.
func reporting<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as UserError { throw e } catch { throw UserError(error) }
}

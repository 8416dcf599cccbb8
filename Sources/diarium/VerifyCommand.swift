import ArgumentParser
import DiariumIndex
import DiariumOutput

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the index: every segment decodes in full and agrees with the catalog.",
        discussion: Help.discussion("""
            Reads the index without changing it. Checks every segment file (checksum, dictionary, postings, \
            positions, stored text), that catalog rows and segment documents point at each other, that every \
            indexed document has postings, and lists files left in segments/ by an interrupted ingest (warnings). \
            Exits 1 when there is any error. Run it while no ingest is writing.
            """, examples: [(command: "diarium verify", what: "exit code 1 when any error is found")]))

    @OptionGroup var index: IndexOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let r = try reporting { try IndexVerifier(directory: index.path).verify() }
        switch format {
        case .json: print(try JSONOutput.encode(r))
        case .text:
            print("index:      \(SafeText.line(r.directory))")
            print("segments:   \(r.segments) (\(r.segmentDocuments) documents, \(r.deletedDocuments) replaced)")
            print("documents:  \(r.documents) in the catalog (\(r.indexedDocuments) with indexed text)")
            print("decoded:    \(r.terms) terms, \(r.postings) postings, \(r.positions) positions, \(r.storedTextBlocks) stored-text blocks")
            for p in r.problems { print("\(p.severity.rawValue): \(SafeText.line(p.file)): \(SafeText.line(p.message))") }
            if r.problems.count < r.errors + r.warnings {
                print("… \(r.errors + r.warnings - r.problems.count) more problems not listed")
            }
            let warnings = "\(r.warnings) warning\(r.warnings == 1 ? "" : "s")"
            if r.isValid {
                print("OK: no errors, \(warnings)")
            } else {
                print("FAILED: \(r.errors) error\(r.errors == 1 ? "" : "s"), \(warnings)")
            }
        }
        if !r.isValid { throw ExitCode(1) }
    }
}

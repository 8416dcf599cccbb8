import ArgumentParser
import DiariumIndex
import DiariumOutput
import DiariumReport

struct Duplicates: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates",
        abstract: "List families of exact and near-duplicate documents, and what differs between them.",
        discussion: Help.discussion("", examples: [(command: "diarium duplicates", what: "exact copies (same SHA-256) and near-duplicates with what each adds and lacks"), (command: "diarium duplicates --threshold 0.8 --format json", what: "only close copies, as JSON")]))

    @OptionGroup var index: IndexOptions

    @Option(help: "Estimated share of shared 5-word shingles for a near-duplicate (0–1).")
    var threshold: Double = 0.6

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        try OptionBounds.check(threshold, 0.05...1, "--threshold", "a share from 0.05 to 1")
    }

    func run() throws {
        let result = try reporting { try DuplicateFamilies(reader: IndexReader(directory: index.path), threshold: threshold) }
        switch format {
        case .json: print(try JSONOutput.encode(result))
        case .text:
            print("\(result.families.count) famil\(result.families.count == 1 ? "y" : "ies") of duplicates")
            for (n, f) in result.families.enumerated() {
                print("\n\(f.kind == "exact" ? "Exact copies" : "Near-duplicates") (family \(n + 1)):")
                for m in f.members {
                    let who = [m.authority, m.year.map(String.init)].compactMap { $0 }.joined(separator: ", ")
                    print("  \(String(format: "%3.0f", m.similarity * 100)) %  \(SafeText.line(m.path))\(who.isEmpty ? "" : "  (\(SafeText.line(who)))")")
                    if !m.added.isEmpty { print("         adds: \(SafeText.line(m.added.joined(separator: " ")))") }
                    if !m.removed.isEmpty { print("         lacks: \(SafeText.line(m.removed.joined(separator: " ")))") }
                }
            }
        }
    }
}

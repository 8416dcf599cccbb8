import ArgumentParser
import DiariumAnalysis
import DiariumExtraction
import DiariumOutput
import Foundation

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show what the analyzer makes of a text: each token with position, offsets, normalised form, stem and indexed term.",
        discussion: Help.discussion("The same code path that indexing and querying use. TEXT `-` reads standard input.",
            examples: [(command: "diarium analyze Riskanalysen för PUL-bedömning av Office 365", what: "each token: position, offsets, kind, word, stem and indexed term")]))

    @Argument(help: "The text to analyse, or - for standard input.")
    var text: [String]

    @Option(help: "Language: sv (Swedish) or en (English).")
    var language: String = "sv"

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(inversion: .prefixedNo, help: "Show the parts of Swedish compound words (needs the wswedish word list).")
    var compounds = true

    struct Token: Encodable {
        var position: UInt32, start: Int, end: Int, kind: String, word: String, stem: String, term: String
        var stopword: Bool
    }

    func run() throws {
        let algorithm: String
        switch language.lowercased() {
        case "sv", "swedish", "svenska": algorithm = "swedish"
        case "en", "english", "engelska": algorithm = "english"
        default: throw ValidationError("--language takes sv or en, not '\(language)'")
        }
        let input: String
        if text == ["-"] {
            input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            input = text.joined(separator: " ")
        }
        let analyzer = try reporting { try Analyzer(language: algorithm, splitCompounds: compounds) }
        var tokens: [Token] = []
        analyzer.analyze(TextDecoding.nfc(input)) { t in
            let word = String(decoding: t.word, as: UTF8.self)
            tokens.append(Token(position: t.position, start: t.start, end: t.end, kind: t.kind == .word ? "word" : t.kind == .joined ? "joined" : "part",
                                word: word, stem: String(decoding: t.stem, as: UTF8.self),
                                term: String(decoding: t.term, as: UTF8.self),
                                stopword: algorithm == "swedish" && Stopwords.isStopword(word)))
        }
        switch format {
        case .json: print(try JSONOutput.encode(tokens))
        case .text:
            print("pos  offsets     kind    word → stem → term")
            for t in tokens {
                let offsets = "\(t.start)-\(t.end)"
                print("\(String(format: "%3d", t.position))  \(TextOutput.pad(offsets, 10))  \(TextOutput.pad(t.kind, 6))  \(SafeText.line(t.word)) → \(SafeText.line(t.stem)) → \(SafeText.line(t.term))\(t.stopword ? "  (stop word)" : "")")
            }
        }
    }
}

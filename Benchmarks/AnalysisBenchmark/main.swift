// Analysis throughput on Swedish prose (release build; not a test).
//
//   swift run -c release analysis-benchmark [DATA_DIR] [--runs N]
//
// Reads every Markdown body under DATA_DIR/regeringen_g0vse (default ../shared/data), then
// times, on one thread, the tokenizer alone and the full analyzer (tokenize, lowercase, stem,
// s-normalise), best of N runs each (default 5), and prints MB/s of UTF-8 input. `--runs 1`
// suits `valgrind --tool=callgrind`, whose instruction counts do not depend on the machine's load.
import DiariumAnalysis
import Foundation

let (runs, dataDirectory): (Int, String) = {
    var arguments = Array(CommandLine.arguments.dropFirst())
    var runs = 5
    if let i = arguments.firstIndex(of: "--runs"), i + 1 < arguments.count, let n = Int(arguments[i + 1]), n > 0 {
        runs = n
        arguments.removeSubrange(i...(i + 1))
    }
    return (runs, arguments.first ?? "../shared/data")
}()
let root = dataDirectory + "/regeringen_g0vse"
guard let walker = FileManager.default.enumerator(atPath: root) else {
    FileHandle.standardError.write(Data("no data at \(root)\n".utf8))
    exit(2)
}
var corpus: [UInt8] = []
while let path = walker.nextObject() as? String {
    guard path.hasSuffix(".md"), let data = FileManager.default.contents(atPath: root + "/" + path) else { continue }
    corpus.append(contentsOf: data)
    corpus.append(0x0A)
}
let megabytes = Double(corpus.count) / 1e6

func best(_ body: () -> Int) -> (seconds: Double, tokens: Int) {
    var bestTime = Double.infinity
    var tokens = 0
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        tokens = body()
        bestTime = min(bestTime, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (bestTime, tokens)
}

var tokenizer = Tokenizer()
let tokenize = best {
    var n = 0
    corpus.withUnsafeBytes { tokenizer.tokenize($0) { _ in n += 1 } }
    return n
}
let plain = try Analyzer(splitCompounds: false)
let analyzePlain = best {
    var n = 0
    corpus.withUnsafeBytes { plain.analyze($0) { _ in n += 1 } }
    return n
}
let analyzer = try Analyzer()
let analyze = best {
    var n = 0
    corpus.withUnsafeBytes { analyzer.analyze($0) { _ in n += 1 } }
    return n
}
print(String(format: "input: %.1f MB of Swedish prose (%@)", megabytes, root))
print(String(format: "tokenize: %7.1f MB/s  %6.2f M tokens/s  (%d tokens, best of %d, one thread)",
             megabytes / tokenize.seconds, Double(tokenize.tokens) / tokenize.seconds / 1e6, tokenize.tokens, runs))
print(String(format: "analyze without compounds: %7.1f MB/s  %6.2f M tokens/s  (tokenize + lowercase + Snowball stem + s-normalise)",
             megabytes / analyzePlain.seconds, Double(analyzePlain.tokens) / analyzePlain.seconds / 1e6))
print(String(format: "analyze with compounds:    %7.1f MB/s  %6.2f M tokens/s  (and compound parts: what indexing runs)",
             megabytes / analyze.seconds, Double(analyze.tokens) / analyze.seconds / 1e6))

// Compound splitting: load time of the system word list, and splits per second over the
// distinct words of 8+ letters in the corpus.
let loadStart = DispatchTime.now().uptimeNanoseconds
if let splitter = CompoundSplitter(contentsOfFile: ProcessInfo.processInfo.environment["DIARIUM_LEXICON"] ?? "/usr/share/dict/swedish") {
    let loadMs = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e6
    var distinct = Set<String>()
    corpus.withUnsafeBytes { tokenizer.tokenize($0) { t in if t.word.count >= 8 { distinct.insert(String(decoding: t.word, as: UTF8.self)) } } }
    let words = Array(distinct)
    let split = best {
        var n = 0
        for w in words where splitter.split(w) != nil { n += 1 }
        return n
    }
    print(String(format: "compounds: word list loaded in %.0f ms; %.0f k words/s split (%d distinct words of 8+ bytes, %d split)",
                 loadMs, Double(words.count) / split.seconds / 1e3, words.count, split.tokens))
}

// A hit in a 100 MB document against the same hits without it (issue 17 item 1; release build).
//
//   swift run -c release query-benchmark --long-document WORKDIR [MEGABYTES] [VOCABULARY]
//   swift run -c release query-benchmark --repeat INDEX_DIR QUERY TIMES
//
// `--long-document` writes (once) two folders of generated Swedish text under WORKDIR — 2,000
// letters of about 250 words, and the same letters plus one document of MEGABYTES (default
// 100) — and ingests each into its own index. Five letters and the long document (at 80 % of
// its length) hold `zebrafinkar` next to `trafiksignalstyrning`. Then, for each query, it
// times the same search (top 10, with snippets) on both indexes, alternating, and prints the
// median wall time and the median thread CPU time per search, and whether the long document
// was among the hits. Words come from the Snowball Swedish vocabulary (default
// ../shared/data/snowball/swedish/voc.txt), drawn with a fixed seed.
// `--repeat` runs one query TIMES times on an index (for /usr/bin/time -v or callgrind).
import BenchmarkSupport
import DiariumIndex
import DiariumIngest
import DiariumSearch
import Foundation

/// Sentences of words drawn with a skewed distribution from `vocabulary`.
struct TextGenerator {
    let vocabulary: [String]
    var random = SeededRandom(state: 17)

    mutating func word() -> String {
        // Skewed: u³ puts most draws on the first tenth of the list.
        let u = Double(random.next() >> 11) / Double(1 << 53)
        return vocabulary[min(vocabulary.count - 1, Int(u * u * u * Double(vocabulary.count)))]
    }

    mutating func sentence(into out: inout String) {
        let n = 6 + random.below(10)
        for k in 0..<n {
            var w = word()
            if k == 0 { w = w.prefix(1).uppercased() + w.dropFirst() }
            out += w
            out += k == n - 1 ? ". " : " "
        }
        if random.below(5) == 0 { out += "\n" }
    }
}

func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func longDocumentBenchmark(_ args: [String]) throws {
    guard let work = args.first else {
        FileHandle.standardError.write(Data("usage: query-benchmark --long-document WORKDIR [MEGABYTES] [VOCABULARY]\n".utf8))
        exit(2)
    }
    let megabytes = args.count > 1 ? Int(args[1]) ?? 100 : 100
    let vocabularyPath = args.count > 2 ? args[2] : "../shared/data/snowball/swedish/voc.txt"
    let vocabulary = try String(contentsOfFile: vocabularyPath, encoding: .utf8).split(whereSeparator: \.isNewline)
        .map(String.init).filter { $0.count >= 3 }
    let fm = FileManager.default
    let base = work + "/base", long = work + "/long"
    if !fm.fileExists(atPath: base + "/index/catalog.sqlite") || !fm.fileExists(atPath: long + "/index/catalog.sqlite") {
        try? fm.removeItem(atPath: work)
        for d in [base, long] { try fm.createDirectory(atPath: d + "/files", withIntermediateDirectories: true) }
        var g = TextGenerator(vocabulary: vocabulary)
        for i in 0..<2_000 {
            var text = "Norrvika kommun\nBrev \(i)\n\n"
            while text.utf8.count < 1_800 { g.sentence(into: &text) }
            if i % 400 == 7 { text += "Om zebrafinkar och trafiksignalstyrning vid skolan. " }
            while text.utf8.count < 3_600 { g.sentence(into: &text) }
            for d in [base, long] { try Data(text.utf8).write(to: URL(fileURLWithPath: "\(d)/files/brev-\(i).txt")) }
        }
        // The long document, written in pieces.
        let path = long + "/files/register.txt"
        _ = fm.createFile(atPath: path, contents: nil)  // if it failed, FileHandle below throws the reason
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let size = megabytes << 20
        var written = 0, marked = false
        while written < size {
            var chunk = ""
            while chunk.utf8.count < 1 << 20 { g.sentence(into: &chunk) }
            if !marked && written >= size * 8 / 10 {
                chunk += "Här nämns zebrafinkar och trafiksignalstyrning en enda gång. "
                marked = true
            }
            try handle.write(contentsOf: Data(chunk.utf8))
            written += chunk.utf8.count
        }
        try handle.close()
        for d in [base, long] {
            let started = Date()
            let ingester = try Ingester(indexDirectory: d + "/index")
            _ = try ingester.ingest(paths: [d + "/files"])
            ingester.close()
            print(String(format: "ingested %@ in %.1f s", d, Date().timeIntervalSince(started)))
        }
    }
    let searchers = try [base, long].map { try Searcher(reader: IndexReader(directory: $0 + "/index")) }
    let queries = ["zebrafinkar", "zebrafinkar trafiksignalstyrning", "\"zebrafinkar och trafiksignalstyrning\""]
    let runs = 101
    print("query\tbase wall ms\tlong wall ms\tbase cpu ms\tlong cpu ms\tlong hit shown\tsnippet of the long hit")
    for q in queries {
        var wall: [[Double]] = [[], []], cpu: [[Double]] = [[], []]
        var shown = false, snippet = ""
        for _ in 0..<runs {
            for (k, s) in searchers.enumerated() {
                let w0 = DispatchTime.now().uptimeNanoseconds, c0 = threadCPUSeconds()
                let r = try s.search(q, limit: 10)
                cpu[k].append((threadCPUSeconds() - c0) * 1e3)
                wall[k].append(Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e6)
                if k == 1, let h = r.hits.first(where: { $0.path.hasSuffix("register.txt") }) { shown = true; snippet = h.snippet }
            }
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        print(String(format: "%@\t%.3f\t%.3f\t%.3f\t%.3f\t%@\t%@", q, median(wall[0]), median(wall[1]), median(cpu[0]), median(cpu[1]),
                     shown ? "yes" : "no", String(snippet.prefix(90))))
    }
}

func repeatQuery(_ args: [String]) throws {
    guard args.count >= 3, let times = Int(args[2]) else {
        FileHandle.standardError.write(Data("usage: query-benchmark --repeat INDEX_DIR QUERY TIMES\n".utf8))
        exit(2)
    }
    let searcher = try Searcher(reader: IndexReader(directory: args[0]))
    var hits = 0
    for _ in 0..<times { hits += try searcher.search(args[1], limit: 10).hits.count }
    print("\(times) searches, \(hits) hits shown")
}

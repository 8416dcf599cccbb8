// Micro-benchmarks of the index's hot loops (release build; not a test):
//
//   swift run -c release index-benchmark [--docs N]
//
// Builds a synthetic segment (N documents, default 50,000, of 120 tokens drawn from a Zipfian
// vocabulary of 50,000 words; deterministic) in a scratch index, then times, on one thread,
// best of three: the commit (serialize, write, fsync, one catalog row per document), decoding every
// postings list through PostingsCursor.next(), skipping with advance(to:) over the 200 most
// frequent terms, and dictionary lookups of random terms. Tokenizing and stemming are measured
// by analysis-benchmark.
import BenchmarkSupport
import DiariumIndex
import Foundation

let documents: Int = {
    let a = CommandLine.arguments
    if let i = a.firstIndex(of: "--docs"), i + 1 < a.count, let n = Int(a[i + 1]), n > 0 { return n }
    return 50_000
}()

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let vocabulary = (0..<50_000).map { Array("t\($0)".utf8) }
// Zipf(1) by inverse CDF over ranks: rank ≈ exp(u · ln V).
func draw(_ rng: inout SeededRandom) -> Int {
    min(vocabulary.count - 1, Int(exp(Double(rng.next() % 1_000_000) / 1_000_000 * log(Double(vocabulary.count)))) - 1)
}

let directory = NSTemporaryDirectory() + "diarium-index-benchmark-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: directory) }
let writer = try IndexWriter(directory: directory, memoryBudget: Int.max)
writer.mergeFactor = 0
var postingsCount = 0
var rng = SeededRandom(state: 7)
for d in 0..<documents {
    var body = FieldTerms()
    var seen = Set<Int>()
    for p in 0..<120 {
        let w = draw(&rng)
        seen.insert(w)
        body.add(vocabulary[w], position: UInt32(p))
    }
    body.length = 120
    body.finish()
    postingsCount += seen.count
    let record = DocumentRecord(path: "doc\(d)", sha256: String(repeating: "0", count: 64), size: 1, mtime: 0, format: "text",
                                status: .ok, ingestedAt: "2026-01-01T00:00:00Z")
    try writer.add(record, fields: [.body: body], storedText: [])
}
let encode = try seconds { try writer.commit() }
writer.close()
let reader = try IndexReader(directory: directory)
guard let segment = reader.segments.first?.reader else { fatalError("no segment written") }
let megaPostings = Double(postingsCount) / 1e6
print(String(format: "segment: %d documents, %d terms, %.1f M postings, %.1f MB", documents, segment.termCount, megaPostings,
             Double(segment.byteCount) / 1e6))
print(String(format: "commit (serialize + write + fsync + catalog rows): %7.1f M postings/s  (%.2f s, once)", megaPostings / encode, encode))

func best(_ runs: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    var b = Double.infinity
    for _ in 0..<runs { b = min(b, try seconds(body)) }
    return b
}

var sink: UInt64 = 0
let buffers = PostingsBuffers()
defer { withExtendedLifetime(buffers) {} }
let decode = try best {
    for w in vocabulary {
        guard var c = try segment.cursor(w, fields: [.body], buffers: buffers) else { continue }
        while c.doc != PostingsCursor.exhausted {
            sink &+= UInt64(c.doc) &+ UInt64(c.frequency)
            c.next()
        }
    }
}
print(String(format: "decode (cursor next over all terms): %7.1f M postings/s", megaPostings / decode))

var advances = 0
let advance = try best {
    advances = 0
    for w in vocabulary.prefix(200) {
        guard var c = try segment.cursor(w, fields: [.body], buffers: buffers) else { continue }
        var target: UInt32 = 0
        while c.doc != PostingsCursor.exhausted {
            c.advance(to: target)
            advances += 1
            target = c.doc &+ 997
        }
    }
}
print(String(format: "advance (skip ~1000 docs, top 200):  %7.2f M advances/s", Double(advances) / advance / 1e6))

var lookupRng = SeededRandom(state: 11)
let probes = (0..<100_000).map { _ in vocabulary[Int(lookupRng.next() % UInt64(vocabulary.count))] }
let lookup = try best {
    for t in probes { sink &+= UInt64(try segment.documentFrequency(t)) }
}
print(String(format: "term lookup (dictionary):            %7.2f M lookups/s", Double(probes.count) / lookup / 1e6))
if sink == 42 { print("") }

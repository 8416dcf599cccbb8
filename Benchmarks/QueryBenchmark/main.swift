// Query parsing and planning cost, and whole-query latency (release build; not a test).
//
//   swift run -c release query-benchmark INDEX_DIR [QUERY_FILE]
//
// For each query (one per line; a built-in set without a file) it measures, over 200 runs,
// the median time of QueryParser.parse + Searcher.plan (analysis, synonyms, folding lookups)
// and of a whole search (top 10), and prints the medians and the share taken by planning.
import DiariumIndex
import DiariumSearch
import Foundation

let args = CommandLine.arguments.dropFirst()
// A hit in a 100 MB document against the same hits without it: LongDocument.swift.
switch args.first {
case "--long-document": try longDocumentBenchmark(Array(args.dropFirst())); exit(0)
case "--repeat": try repeatQuery(Array(args.dropFirst())); exit(0)
default: break
}
guard let indexDirectory = args.first else {
    FileHandle.standardError.write(Data("usage: query-benchmark INDEX_DIR [QUERY_FILE]\n".utf8))
    exit(2)
}
let queries: [String] = args.dropFirst().first.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?
    .split(whereSeparator: \.isNewline).map(String.init) ?? [
        "riskanalys 2015 Office 365", "\"Office 365\"", "riskanal*", "DPIA för O365 year:2020..2022 -utkast",
        "org:teknisk type:informationsklassning", "dnr:\"GYN 2015/112\"", "(policy OR riktlinje) year:2017..2019",
        "atgarder molntjanster", "personuppgiftsbiträdesavtal", "trafiksignalstyrning zebrafinkar",
    ]
let searcher = try Searcher(reader: IndexReader(directory: indexDirectory))

func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[runs / 2]
}

func plans(_ n: QueryNode, _ searcher: Searcher) throws {
    switch n {
    case let .words(t, _): _ = try searcher.plan(t)
    case let .and(p), let .or(p): for x in p { try plans(x, searcher) }
    case let .not(x): try plans(x, searcher)
    default: break
    }
}

print("query\tparse+plan ms\tsearch ms")
var planTotal = 0.0, searchTotal = 0.0
for q in queries {
    let plan = try median(200) { try plans(QueryParser.parse(q), searcher) }
    let search = try median(200) { _ = try searcher.search(q, limit: 10) }
    planTotal += plan
    searchTotal += search
    print(String(format: "%@\t%.4f\t%.4f", q, plan, search))
}
print(String(format: "mean\t%.4f\t%.4f", planTotal / Double(queries.count), searchTotal / Double(queries.count)))

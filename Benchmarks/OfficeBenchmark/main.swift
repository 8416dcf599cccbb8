import DiariumExtraction
import Dispatch
import Foundation

// Office reading speed (issue 16): extracts every file under the given folders with the
// ordinary `Extractor` (content detection, the ZIP reader, OOXML/ODF through libxml2,
// metadata), on all cores as `diarium ingest` does, and prints files/s and MB/s of text.
// Release build: swift run -c release office-benchmark FOLDER… [--runs N] [--threads N]
// The files come from scripts/office-benchmark.py (≥ 1,000 generated DOCX, XLSX and ODT).

var folders: [String] = []
var runs = 3
var threads = ProcessInfo.processInfo.activeProcessorCount
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--runs": runs = Int(args.popFirst() ?? "") ?? runs
    case "--threads": threads = Int(args.popFirst() ?? "") ?? threads
    default: folders.append(a)
    }
}
guard !folders.isEmpty else {
    FileHandle.standardError.write(Data("usage: office-benchmark FOLDER… [--runs N] [--threads N]\n".utf8))
    exit(2)
}

final class Totals: @unchecked Sendable {
    let lock = NSLock()
    var text = 0, failed = 0, documents = 0
}

print("| folder | files | MB of files | MB of text | documents | without text | best s | files/s | MB text/s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for folder in folders {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    let paths = names.map { folder + "/" + $0 }
    let bytes = paths.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
    let extractor = Extractor()
    var best = Double.infinity
    let totals = Totals()
    for _ in 0..<runs {
        let t = Totals()
        let start = DispatchTime.now().uptimeNanoseconds
        let next = NSLock()
        nonisolated(unsafe) var index = 0
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                next.lock(); let i = index; index += 1; next.unlock()
                guard i < paths.count else { break }
                let d = extractor.extract(file: paths[i], components: [names[i]])
                let text = ([d] + d.parts).reduce(0) { $0 + $1.text.utf8.count }
                t.lock.lock()
                t.text += text
                t.documents += 1 + d.parts.count
                if d.failure != nil { t.failed += 1 }
                t.lock.unlock()
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if seconds < best { best = seconds }
        totals.text = t.text; totals.failed = t.failed; totals.documents = t.documents
    }
    let name = (folder as NSString).lastPathComponent
    print(String(format: "| %@ | %d | %.1f | %.1f | %d | %d | %.2f | %.0f | %.1f |", name, paths.count, Double(bytes) / 1e6,
                 Double(totals.text) / 1e6, totals.documents, totals.failed, best, Double(paths.count) / best, Double(totals.text) / 1e6 / best))
}

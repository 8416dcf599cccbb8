import ArgumentParser
import DiariumIndex
import Foundation

struct Optimize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Merge every segment of the index into one, dropping replaced documents.",
        discussion: Help.discussion("""
            Takes the write lock like an ingest. Searches keep working during the merge: each sees either the old \
            segments or the merged one. Ingest merges on its own as segments accumulate (ten of a size make one); \
            optimize is for an index that is done growing.
            """, examples: [(command: "diarium optimize", what: "merge every segment into one")]))

    @OptionGroup var index: IndexOptions

    func run() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let (before, after, merges) = try reporting { () throws -> (Int, Int, Int) in
            let before = try IndexReader(directory: index.path).segments.count
            let writer = try IndexWriter(directory: index.path)
            defer { writer.close() }
            try writer.optimize()
            return (before, try IndexReader(directory: index.path).segments.count, writer.mergesDone)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(String(format: "segments: %d → %d (%d merge%@) in %.2f s", before, after, merges, merges == 1 ? "" : "s", seconds))
    }
}

import DiariumIndex
import Foundation

/// How an ingest shares `--memory` (ARCHITECTURE.md, DiariumIngest's memory model): the one
/// place that turns the budget, the worker threads and the resident set measured at start into
/// the stem caches' size, the batches' size and the bytes reserved from the writer's buffer.
///
/// The budget is the whole process's: what is resident before the first document is read
/// (`baseline`: the program's and its libraries' pages, the Swift runtime, SQLite, the
/// compound word list), what comes later without being counted (`slack`: code first run
/// while documents are read and written, malloc's free but resident memory), the analyzers'
/// caches at their fullest, the two batches of files or lines, and the writer's buffer, which
/// gets what is left (at least `IndexWriter`'s smallest buffer).
struct MemoryPlan: Equatable, Sendable {
    /// The budget, bytes (`--memory`).
    let budget: Int
    /// Worker threads (two analyzers each).
    let threads: Int
    /// Bytes resident at start, rounded up to `baselineStep` (so a few pages more or less do
    /// not move where segments are cut).
    let baseline: Int

    /// The baseline is rounded up to this: 4 MiB.
    static let baselineStep = 4 << 20

    /// A budget's share for what nothing counts: 8 MiB and a sixteenth of the budget. Measured:
    /// 8 to 10 MiB of the program's code and data become resident after the start, once
    /// documents are extracted, analysed and written (the release binary, 2026-12-07), and
    /// malloc holds 13–22 MiB free above the counted bytes at the flushes of a 256 MiB ingest
    /// (docs/benchmarks.md, "Peak ingest memory within the budget").
    var slack: Int { (8 << 20) + budget / 16 }

    /// What the budget leaves for the ingest's own data (caches, batches, buffer): the budget
    /// less `baseline` and `slack`, never negative.
    var free: Int { max(0, budget - baseline - slack) }

    /// Words each analyzer's stem cache holds (`Analyzer(cachedWords:)`): 2^18 (12 MiB at its
    /// fullest), halved until the caches of all analyzers (two per thread) take at most a
    /// quarter of the budget, and further while `baseline`, `slack`, those caches, two batches
    /// and the writer's smallest buffer exceed the budget; down to 2^12. The cache changes speed
    /// only, never the terms: sized from `free` alone, 128 MiB got 2^16 words, not 2^17, and
    /// 10.5 % more instructions (callgrind, docs2k; docs/benchmarks.md, ninth session).
    var cachedWords: Int {
        var n = 1 << 18
        func caches(_ n: Int) -> Int { 2 * threads * n * StemCacheSize.bytesPerWord }
        while n > 1 << 12 && caches(n) > budget / 4 { n >>= 1 }
        while n > 1 << 12 && baseline + slack + caches(n) + 2 * batchBytes + IndexWriter.minimumBufferBytes > budget { n >>= 1 }
        return n
    }

    /// Input bytes per batch of files or lines: two batches are in memory at once (one being
    /// added to the index, the next being read and analysed), with their texts and terms, so
    /// they take their share: an eighth of `free`, from 1 to 64 MiB.
    var batchBytes: Int { min(64 << 20, max(1 << 20, free / 8)) }

    /// Bytes reserved from the writer's buffer before any batch: `baseline`, `slack` and the
    /// caches at their fullest (`cacheBytes`, from the analyzers built with `cachedWords`).
    func fixedReserve(cacheBytes: Int) -> Int { baseline + slack + cacheBytes }

    /// The least this plan needs: `baseline`, `slack`, the smallest caches, two batches of 1 MiB
    /// and the writer's smallest buffer (`IndexWriter.minimumBufferBytes`).
    var needed: Int {
        baseline + slack + 2 * threads * (1 << 12) * StemCacheSize.bytesPerWord + 2 * (1 << 20) + IndexWriter.minimumBufferBytes
    }

    /// Whether the budget covers `needed`.
    var fits: Bool { budget >= needed }

    /// The smallest budget in whole MiB whose plan fits, for the same threads and baseline.
    var smallestBudgetMiB: Int {
        var mib = max(1, budget >> 20)
        while !MemoryPlan(budget: mib << 20, threads: threads, baseline: baseline).fits { mib += 1 }
        while mib > 1 && MemoryPlan(budget: (mib - 1) << 20, threads: threads, baseline: baseline).fits { mib -= 1 }
        return mib
    }

    /// The plan for `budget` bytes and `threads` workers, with `resident` bytes resident now.
    init(budget: Int, threads: Int, resident: Int) {
        self.init(budget: budget, threads: threads,
                  baseline: (max(0, resident) + Self.baselineStep - 1) / Self.baselineStep * Self.baselineStep)
    }

    private init(budget: Int, threads: Int, baseline: Int) {
        self.budget = budget
        self.threads = max(1, threads)
        self.baseline = baseline
    }

    /// Said when the budget is below `needed`: the ingest goes on with the smallest caches,
    /// batches and buffer, and holds more than the budget.
    var warning: String? {
        guard !fits else { return nil }
        let mib = { (b: Int) in (b + (1 << 20) - 1) >> 20 }
        return "--memory \(mib(budget)) MiB is less than this ingest needs (\(mib(needed)) MiB: \(mib(baseline)) MiB resident before the first document — the program, its libraries and the compound word list — and its smallest caches, batches and segment buffer); it went on with those and held more than the budget; give --memory \(smallestBudgetMiB) or more"
    }
}

/// What a stem cache takes a word at its fullest (`Analyzer.cacheCapacityBytes` / cached words).
enum StemCacheSize {
    static let bytesPerWord = 48
}

/// The process's resident set, from `/proc/self/status` (Linux).
enum ResidentMemory {
    /// Bytes resident now (`VmRSS`), nil where `/proc` does not say.
    static func current() -> Int? { field("VmRSS") }

    /// The most bytes resident so far (`VmHWM`, what `time -v` reports as the maximum), nil
    /// where `/proc` does not say.
    static func peak() -> Int? { field("VmHWM") }

    /// A `kB` field of `/proc/self/status`, in bytes.
    static func field(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let value = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
            return value.flatMap { Int($0) }.map { $0 << 10 }
        }
        return nil
    }

    /// Assumed where `/proc` does not say: 40 MiB, what a one-file ingest of the release build
    /// holds on Linux.
    static let assumedBaseline = 40 << 20
}

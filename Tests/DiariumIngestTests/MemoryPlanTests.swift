import DiariumTestSupport
import Foundation
import Testing

@testable import DiariumIndex
@testable import DiariumIngest

/// How an ingest shares `--memory` (`MemoryPlan`): the whole process's budget, with the resident
/// set at start charged against it.
@Suite struct MemoryPlanTests {
    static let mib = 1 << 20

    /// For the budgets the benchmarks run (64, 128, 256 MiB) and 1 to 8 threads (at 64 MiB 1 to
    /// 4: more analyzers' smallest caches no longer fit), with 44 MiB resident at start (what
    /// the release build holds once its word list is loaded): what the
    /// plan reserves (the resident set, the slack, the caches at their fullest), its two batches
    /// and the writer's smallest buffer add up to no more than the budget, so the writer's buffer
    /// is what is left; and the caches and batches shrink with what the budget leaves.
    @Test func theSharesAddUpToTheBudget() throws {
        for budget in [64, 128, 256].map({ $0 * Self.mib }) {
            for threads in 1...(budget == 64 * Self.mib ? 4 : 8) {
                let plan = MemoryPlan(budget: budget, threads: threads, resident: 44 * Self.mib)
                #expect(plan.fits, "\(budget >> 20) MiB, \(threads) threads: needs \(plan.needed >> 20) MiB")
                #expect(plan.warning == nil)
                let caches = 2 * threads * plan.cachedWords * StemCacheSize.bytesPerWord
                let reserve = plan.fixedReserve(cacheBytes: caches)
                #expect(reserve == 44 * Self.mib + plan.slack + caches)
                #expect(caches <= max(budget / 4, 2 * threads * (1 << 12) * StemCacheSize.bytesPerWord))
                #expect(plan.batchBytes <= max(plan.free / 8, Self.mib))
                #expect(reserve + 2 * plan.batchBytes + IndexWriter.minimumBufferBytes <= budget,
                        "\(budget >> 20) MiB, \(threads) threads")
            }
        }
        // The same budget with more resident at start leaves less for the ingest's own data.
        let small = MemoryPlan(budget: 64 * Self.mib, threads: 2, resident: 48 * Self.mib)
        let large = MemoryPlan(budget: 64 * Self.mib, threads: 2, resident: 8 * Self.mib)
        #expect(small.free < large.free)
        #expect(small.cachedWords <= large.cachedWords && small.batchBytes < large.batchBytes)
        #expect(!MemoryPlan(budget: 64 * Self.mib, threads: 8, resident: 44 * Self.mib).fits)
        // Where the budget holds them, the caches are what a quarter of the budget gives
        // (2^17 words at 128 MiB, 2^18 at 256 with 2 threads), as before the resident set was
        // charged; at 64 MiB they give way to the batches and the writer's smallest buffer.
        #expect(MemoryPlan(budget: 128 * Self.mib, threads: 2, resident: 32 * Self.mib).cachedWords == 1 << 17)
        #expect(MemoryPlan(budget: 256 * Self.mib, threads: 2, resident: 32 * Self.mib).cachedWords == 1 << 18)
        #expect(MemoryPlan(budget: 64 * Self.mib, threads: 2, resident: 32 * Self.mib).cachedWords < 1 << 16)
    }

    /// The resident set is charged in steps of 4 MiB, so a few pages more or less at start do
    /// not move where segments are cut.
    @Test func theBaselineIsRoundedUpToFourMiB() {
        let plans = [40 * Self.mib + 1, 41 * Self.mib, 44 * Self.mib].map { MemoryPlan(budget: 128 * Self.mib, threads: 2, resident: $0) }
        #expect(plans.allSatisfy { $0.baseline == 44 * Self.mib })
        #expect(plans.allSatisfy { $0 == plans[0] })
        #expect(MemoryPlan(budget: 128 * Self.mib, threads: 2, resident: 44 * Self.mib + 1).baseline == 48 * Self.mib)
    }

    /// A budget below what the ingest needs is said in words, with the smallest budget that
    /// would do: the plan for that budget fits and the one a MiB below does not.
    @Test func aBudgetBelowTheNeedIsSaidWithTheSmallestThatFits() throws {
        let plan = MemoryPlan(budget: 16 * Self.mib, threads: 2, resident: 44 * Self.mib)
        #expect(!plan.fits)
        let warning = try #require(plan.warning)
        #expect(warning.hasPrefix("--memory 16 MiB is less than this ingest needs"))
        #expect(warning.contains("44 MiB resident before the first document"))
        let smallest = plan.smallestBudgetMiB
        #expect(warning.hasSuffix("give --memory \(smallest) or more"))
        #expect(MemoryPlan(budget: smallest * Self.mib, threads: 2, resident: 44 * Self.mib).fits)
        #expect(!MemoryPlan(budget: (smallest - 1) * Self.mib, threads: 2, resident: 44 * Self.mib).fits)
        #expect(smallest > 44)
    }

    #if os(Linux)
    /// The resident set is read from `/proc/self/status`: this process holds some, and never
    /// more than its peak.
    @Test func theResidentSetIsRead() throws {
        let now = try #require(ResidentMemory.current())
        let peak = try #require(ResidentMemory.peak())
        #expect(now > Self.mib)
        #expect(now <= peak)
    }

    /// An ingest whose budget is below what it needs still ingests, and says so in its summary
    /// (the command prints it as a warning); a budget that covers it says nothing.
    @Test func anIngestBelowItsNeedWarnsAndGoesOn() throws {
        let dir = try ScratchDirectory()
        let files = dir.path + "/files"
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        for i in 0..<3 {
            try "Beslut om skola nummer \(i) i nämnden.".write(toFile: files + "/brev\(i).txt", atomically: true, encoding: .utf8)
        }
        for (budget, warns) in [(4, true), (256, false)] {
            var options = IngestOptions()
            options.memoryBudget = budget * Self.mib
            options.threads = 2
            options.ocrMode = .off
            let ingester = try Ingester(indexDirectory: dir.path + "/index\(budget)", options: options)
            let summary = try ingester.ingest(paths: [files])
            ingester.close()
            #expect(summary.added == 3)
            #expect((summary.warnings?.first?.hasPrefix("--memory \(budget) MiB is less than this ingest needs") ?? false) == warns,
                    "\(summary.warnings ?? [])")
        }
    }
    #endif
}

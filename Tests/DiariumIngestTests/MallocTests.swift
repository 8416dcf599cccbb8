import Foundation
import Testing

@testable import DiariumIngest

/// The allocator settings an ingest fixes (`Malloc`, through the C shim `CMalloc`), checked by
/// what glibc answers.
@Suite struct MallocTests {
    #if canImport(Glibc)
    /// glibc takes the ingest's thresholds; a value mallopt's `int` cannot hold, or a negative
    /// one, is refused rather than cut short.
    @Test func glibcTakesTheThresholdsAndValuesOutOfRangeAreRefused() {
        #expect(Malloc.fixThresholds())
        #expect(!Malloc.setThresholds(trim: Malloc.trimThreshold, mmap: Int(Int32.max) + 1))
        #expect(!Malloc.setThresholds(trim: -1, mmap: Malloc.mmapThreshold))
        #expect(Malloc.setThresholds(trim: Malloc.trimThreshold, mmap: Malloc.mmapThreshold))
    }

    /// Heap blocks freed between live ones are not given back by any threshold: `malloc_trim`
    /// gives their whole pages back and says so. Checked page by page with `mincore`: the
    /// inside pages of the freed blocks are resident before (written, then freed) and gone
    /// after, while the live blocks' pages stay.
    @Test func trimGivesBackFreePagesBetweenLiveBlocks() throws {
        Malloc.fixThresholds()
        let size = 64 << 10  // below the mmap threshold: from the heap
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<64 {
            let block = try #require(malloc(size))
            memset(block, 1, size)
            blocks.append(block)
        }
        let freed = stride(from: 0, to: blocks.count, by: 2).map { blocks[$0] }
        let live = stride(from: 1, to: blocks.count, by: 2).map { blocks[$0] }
        // Every other block freed: 32 holes of 64 KiB that cannot merge with the heap's top.
        for block in freed { free(block) }
        let before = try Self.residentPages(inside: freed, size: size)
        #expect(before.pages >= 32 * 14 && before.resident == before.pages, "freed, not yet trimmed: still resident")
        #expect(Malloc.releaseFreePages())
        let after = try Self.residentPages(inside: freed, size: size)
        // Another test's thread may take a hole meanwhile: allow a few blocks' worth.
        #expect(after.resident <= after.pages / 8, "\(after.resident) of \(after.pages) pages still resident after the trim")
        let kept = try Self.residentPages(inside: live, size: size)
        #expect(kept.resident == kept.pages, "live blocks keep their pages")
        for block in live { free(block) }
    }

    /// The whole pages inside each block (its first and last partial pages and malloc's
    /// bookkeeping at its start left out), and how many of them are resident (`mincore`).
    static func residentPages(inside blocks: [UnsafeMutableRawPointer], size: Int) throws -> (resident: Int, pages: Int) {
        let page = sysconf(Int32(_SC_PAGESIZE))
        var resident = 0, pages = 0
        for block in blocks {
            let start = (Int(bitPattern: block) + 64 + page - 1) / page * page
            let end = (Int(bitPattern: block) + size) / page * page
            guard end > start else { continue }
            var vector = [UInt8](repeating: 0, count: (end - start) / page)
            let address = try #require(UnsafeMutableRawPointer(bitPattern: start))
            #expect(mincore(address, end - start, &vector) == 0)
            pages += vector.count
            resident += vector.filter { $0 & 1 == 1 }.count
        }
        return (resident, pages)
    }
    #endif
}

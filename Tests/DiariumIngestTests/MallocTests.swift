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
    ///
    /// The check runs in a forked child: test suites run in parallel threads that share glibc's
    /// arenas, so in this process another test could take a freed block between the trim and
    /// `mincore` (or write into it), and a page would look kept. The child has one thread; it
    /// calls only C (malloc, memset, free, malloc_trim, mincore) into buffers made before the
    /// fork, and writes its counts into a shared mapping. Blocks are 2 to 16 pages of the
    /// machine's page size, below the mmap threshold.
    @Test func trimGivesBackFreePagesBetweenLiveBlocks() throws {
        #expect(Malloc.fixThresholds())
        let page = sysconf(Int32(_SC_PAGESIZE))
        let pagesPerBlock = max(2, min(16, Malloc.mmapThreshold / 2 / page))
        let size = pagesPerBlock * page
        try #require(size < Malloc.mmapThreshold, "page size \(page): a block of two pages is not from the heap")
        let blockCount = 64
        let counts = 8
        let shared = try #require(mmap(nil, counts * MemoryLayout<Int>.stride, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0))
        try #require(Int(bitPattern: shared) != -1, "mmap: errno \(errno)")  // MAP_FAILED
        defer { munmap(shared, counts * MemoryLayout<Int>.stride) }
        let out = shared.bindMemory(to: Int.self, capacity: counts)
        out.initialize(repeating: -1, count: counts)
        let blocks = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: blockCount)
        defer { blocks.deallocate() }
        let vector = UnsafeMutablePointer<UInt8>.allocate(capacity: pagesPerBlock)
        defer { vector.deallocate() }
        _ = Malloc.releaseFreePages()  // its first call's setup, before the fork

        let pid = fork()
        try #require(pid >= 0, "fork: errno \(errno)")
        if pid == 0 {
            Self.allocateFreeAndTrim(blocks: blocks, count: blockCount, size: size, page: page, vector: vector, out: out)
            _exit(0)
        }
        var status: Int32 = 0
        var waited: pid_t = 0
        for _ in 0..<600 {  // at most a minute
            waited = waitpid(pid, &status, WNOHANG)
            if waited != 0 { break }
            usleep(100_000)
        }
        if waited == 0 {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            Issue.record("the child did not finish in a minute")
            return
        }
        #expect(waited == pid && status == 0, "child status \(status)")
        let freedPages = out[0], freedResident = out[1], trimmed = out[2], afterResident = out[3], livePages = out[4], liveResident = out[5]
        #expect(freedPages >= blockCount / 2 * (pagesPerBlock - 2) && freedResident == freedPages,
                "freed, not yet trimmed: \(freedResident) of \(freedPages) pages resident")
        #expect(trimmed == 1, "malloc_trim says it gave nothing back")
        #expect(afterResident == 0, "\(afterResident) of \(freedPages) pages still resident after the trim")
        #expect(livePages >= blockCount / 2 * (pagesPerBlock - 2) && liveResident == livePages, "live blocks keep their pages: \(liveResident) of \(livePages)")
    }

    /// The forked child's work (C calls and integer arithmetic only): `count` blocks of `size`
    /// bytes written, every other one freed (holes that cannot merge with the heap's top), the
    /// freed blocks' inside pages counted before and after `malloc_trim`, then the live ones'.
    /// `out`: freed pages, resident before the trim, the trim's answer (1: memory given back),
    /// resident after, live pages, resident of those.
    static func allocateFreeAndTrim(blocks: UnsafeMutablePointer<UnsafeMutableRawPointer?>, count: Int, size: Int, page: Int,
                                    vector: UnsafeMutablePointer<UInt8>, out: UnsafeMutablePointer<Int>) {
        var k = 0
        while k < count {
            guard let block = malloc(size) else { _exit(2) }
            memset(block, 1, size)
            blocks[k] = block
            k += 1
        }
        k = 0
        while k < count { free(blocks[k]); k += 2 }
        let before = residentPages(blocks: blocks, count: count, first: 0, size: size, page: page, vector: vector)
        out[0] = before.pages
        out[1] = before.resident
        out[2] = Malloc.releaseFreePages() ? 1 : 0
        out[3] = residentPages(blocks: blocks, count: count, first: 0, size: size, page: page, vector: vector).resident
        let live = residentPages(blocks: blocks, count: count, first: 1, size: size, page: page, vector: vector)
        out[4] = live.pages
        out[5] = live.resident
    }

    /// The whole pages inside every other block from `first` (its first and last partial pages
    /// and malloc's bookkeeping at its start left out), and how many are resident (`mincore`);
    /// exits the child with status 3 if `mincore` fails.
    static func residentPages(blocks: UnsafeMutablePointer<UnsafeMutableRawPointer?>, count: Int, first: Int, size: Int, page: Int,
                              vector: UnsafeMutablePointer<UInt8>) -> (resident: Int, pages: Int) {
        var resident = 0, pages = 0
        var k = first
        while k < count {
            let address = Int(bitPattern: blocks[k])
            k += 2
            let start = (address + 64 + page - 1) / page * page
            let end = (address + size) / page * page
            guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            if mincore(p, end - start, vector) != 0 { _exit(3) }
            var i = 0
            while i < (end - start) / page {
                if vector[i] & 1 == 1 { resident += 1 }
                i += 1
            }
            pages += (end - start) / page
        }
        return (resident, pages)
    }
    #endif
}

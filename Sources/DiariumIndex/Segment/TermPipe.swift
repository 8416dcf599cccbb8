import Dispatch
import Foundation
import Synchronization

/// Serializing a segment in two stages on two threads: a producer reads each term's list out
/// of the postings pool in term order (`SegmentBuilder`'s `TermReadout`) and a consumer encodes
/// and writes them (`SegmentSerializer.addTerm`) (callgrind of a `--jsonl` ingest of 2,000
/// documents: 137 M and 214 M instructions). The consumer sees the terms in the order produced, so the file is byte for byte
/// the one a single thread writes.
///
/// Terms go over in batches (`TermBatch`, postings swapped in, not copied) through a
/// channel of `depth` batches: the producer fills one while the consumer empties another, and
/// waits when all are full. Memory, beside the builder's: `depth` batches, each holding at
/// most `maxTerms` terms or `maxValues` postings values (4 bytes each, 512 KiB; exceeded only by
/// a batch's last term, which may be large) and, between two uses, its emptied arrays' spare
/// room, at most `TermBatch.keptBytes` (256 KiB): about 2.3 MiB in all plus up to `depth`
/// batch-ending terms. `--memory` does not count it (ARCHITECTURE.md, DiariumIngest's memory
/// model): reserving it would move where an ingest seals its segments.
///
/// Why: `IndexWriter.commit()`'s caller waits for its segment; the last of an ingest is
/// serialized when every worker has finished, with nothing else to overlap it
/// (docs/benchmarks.md, branch `build`): split in two stages it takes the two cores the ingest
/// had. Every `commit()` uses it (the OCR pass's every 5 s and `optimize()`'s too).
enum TermPipe {
    static let depth = 3
    static let maxTerms = 512
    static let maxValues = 1 << 17

    /// Runs `produce` on a thread of its own and calls `consume` here with every term it emits,
    /// in order. `produce`'s `emit` returns false when the consumer has stopped (it threw); then
    /// `produce` should return. Returns (or throws `consume`'s error) once `produce` has ended.
    ///
    /// A `Thread`, not a dispatch queue: queues (serial ones too) run on the shared pool's
    /// threads, which the OCR pass fills with `concurrentPerform` workers that loop until every
    /// file is done, while it commits every few seconds; the producer would wait behind them
    /// with the writer idle.
    static func run(produce: @escaping @Sendable (_ emit: (_ key: [UInt8], _ postings: inout TermPostings) -> Bool) -> Void,
                    consume: (_ key: [UInt8], _ postings: TermPostings) throws -> Void) throws {
        let channel = Channel()
        let ended = DispatchGroup()
        ended.enter()
        let producer = Thread {
            var batch = channel.takeFree()
            produce { key, postings in
                guard let b = batch else { return false }
                b.add(key, &postings)
                if b.count >= maxTerms || b.values >= maxValues {
                    channel.pushFull(b)
                    batch = channel.takeFree()
                }
                return batch != nil
            }
            if let b = batch, b.count > 0 { channel.pushFull(b) }
            channel.finish()
            ended.leave()
        }
        producer.name = "diarium.term-pipe"
        producer.start()
        // The producer reads the builder's memory: it has ended before this returns.
        defer { ended.wait() }
        var key: [UInt8] = []
        do {
            while let b = channel.takeFull() {
                for i in 0..<b.count { try b.withTerm(i, key: &key, consume) }
                b.removeAll()
                channel.pushFree(b)
            }
        } catch {
            channel.cancel()
            throw error
        }
    }

    /// Terms with their postings. A term's `TermPostings` is swapped in (`add`), not copied: the
    /// producer gets back the empty arrays of a term the consumer is done with, and refills them
    /// (copying every posting into a batch and out again cost about 75 M instructions on 2,000
    /// documents, callgrind). An emptied batch keeps each slot's arrays whose capacity is at most
    /// `keptBytes / maxTerms` and frees the others (a term of many postings): with at most
    /// `maxTerms` slots, its spare room never exceeds `keptBytes`.
    final class TermBatch: @unchecked Sendable {
        // @unchecked: a batch belongs to one thread at a time, handed over through `Channel`.
        static let keptBytes = 256 << 10
        private var keys: [UInt8] = []
        private var keyEnds: [Int] = []
        private var slots: [TermPostings] = []
        private(set) var count = 0
        /// Postings values held (documents, frequencies and positions).
        private(set) var values = 0

        /// Takes `p`'s postings; `p` gets empty arrays (with room) in exchange.
        func add(_ key: [UInt8], _ p: inout TermPostings) {
            // `removeAll`'s bound on kept room counts on at most `maxTerms` slots.
            assert(count < TermPipe.maxTerms, "a batch holds at most maxTerms terms")
            keys.append(contentsOf: key)
            keyEnds.append(keys.count)
            values += p.docs.count + p.frequencies.count + p.positions.count
            if count == slots.count { slots.append(TermPostings()) }
            swap(&slots[count], &p)
            count += 1
        }

        /// Calls `body` with term `i`'s key (copied into `key`) and postings.
        func withTerm(_ i: Int, key: inout [UInt8], _ body: (_ key: [UInt8], _ postings: TermPostings) throws -> Void) rethrows {
            key.removeAll(keepingCapacity: true)
            key.append(contentsOf: keys[(i == 0 ? 0 : keyEnds[i - 1])..<keyEnds[i]])
            try body(key, slots[i])
        }

        func removeAll() {
            keys.removeAll(keepingCapacity: true)
            keyEnds.removeAll(keepingCapacity: true)
            // All slots, not only this use's: those past `count` still hold an earlier use's room.
            // A slot keeps its arrays while they hold at most its share of `keptBytes`: most terms
            // are in a few documents, so the next batch's term at that slot mostly fits them
            // without growing (keeping the first slots' arrays up to `keptBytes` instead, one
            // frequent term's left most slots empty, and a third of the terms grew theirs anew).
            let share = Self.keptBytes / TermPipe.maxTerms
            for i in slots.indices {
                let bytes = (slots[i].docs.capacity + slots[i].frequencies.capacity + slots[i].positions.capacity)
                    * MemoryLayout<UInt32>.stride
                if bytes > share {
                    slots[i] = TermPostings()
                } else {
                    slots[i].removeAll()
                }
            }
            count = 0
            values = 0
        }
    }

    /// The batches between the two threads: `free` ones for the producer, `full` ones for the
    /// consumer, each a `Handoff`.
    final class Channel: Sendable {
        let free = Handoff()
        let full = Handoff()

        init() {
            for _ in 0..<TermPipe.depth { free.push(TermBatch()) }
        }

        /// An empty batch, waiting for one; nil once the consumer has stopped.
        func takeFree() -> TermBatch? { free.take() }

        func pushFull(_ b: TermBatch) { full.push(b) }

        /// The producer has emitted its last batch.
        func finish() { full.close() }

        /// The next full batch, waiting for one; nil after the last.
        func takeFull() -> TermBatch? { full.take() }

        func pushFree(_ b: TermBatch) { free.push(b) }

        /// The consumer stops: a producer waiting for a batch wakes and gets none.
        func cancel() { free.close(dropping: true) }
    }

    /// Batches handed from one thread to the other in order, counted by a semaphore.
    final class Handoff: Sendable {
        let batches = Mutex<[TermBatch]>([])
        /// Counts the batches pushed and the close. Created at 0 and signalled up: libdispatch
        /// traps when a semaphore is freed below its initial value, as one is when a run ends
        /// with a batch taken (an error, or a last batch left empty).
        let count = DispatchSemaphore(value: 0)

        func push(_ b: TermBatch) {
            batches.withLock { $0.append(b) }
            count.signal()
        }

        /// The first batch, waiting for one; nil once closed and every batch pushed before
        /// taken (or, closed `dropping`, at once). Call it no more than once after the close.
        func take() -> TermBatch? {
            count.wait()
            return batches.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        }

        /// No batch follows; `dropping`: the batches not taken are dropped too.
        func close(dropping: Bool = false) {
            if dropping { batches.withLock { $0.removeAll() } }
            count.signal()
        }
    }
}

import Dispatch
import Foundation
import Synchronization

/// A new segment's `FrameSink` on a thread of its own: `StoredTextWriter` hands it each closed
/// block of stored text (`take`) and goes on, and the thread compresses the blocks in the order
/// given. Zstd was a fifth of the writer's thread in a `--jsonl` ingest (perf: 10.9 % of all
/// samples, all on that thread, which had 45 % of them), the thread every document passes.
///
/// Memory: at most `depth` blocks (copies of at most `StoreIndex.blockSize` bytes) wait between
/// the threads, and none whenever the writer's buffer is measured: `memoryFootprint` waits
/// until the thread has taken every block given so far, then reads the sink's own footprint,
/// so the budget counts exactly what a sink on the writer's thread would hold and an ingest
/// seals its segments at the same documents. The writer asks `memoryFootprintBound` first,
/// which waits only while the sink keeps its sample and no block in flight ends it (a copy,
/// no zstd): it does not wait on compression or the dictionary's training unless the bound
/// reaches the budget.
///
/// A `Thread`, not a dispatch queue, for `TermPipe`'s reason: the OCR pass fills the shared
/// pool with workers that loop until every file is done, and the writer would wait behind them.
final class FrameThread: Sendable {
    /// Blocks that may wait to be compressed.
    static let depth = 16

    private let worker: Worker

    /// The thread starts with the first block: the writer makes a new segment's builder after
    /// each commit, and a builder that never gets a block (the last one of an ingest) starts none.
    init() {
        worker = Worker()
    }

    /// A writer dropped unfinished (a failed commit, a closed writer) ends its thread.
    deinit { worker.stop() }

    /// Hands over the next closed block (copied); waits while `depth` blocks wait already.
    func take(_ block: UnsafeRawBufferPointer) {
        if worker.startIfNeeded() {
            let w = worker
            let thread = Thread { w.run() }
            thread.name = "diarium.store-frames"
            thread.start()
        }
        worker.push(Array(block))
    }

    /// The sink's footprint once it has taken every block handed over.
    var memoryFootprint: Int {
        worker.drain()
        return worker.state.withLock { $0.sinkBytes }
    }

    /// At least `memoryFootprint`. Once the dictionary is decided, or a block in flight decides
    /// it, the footprint after the blocks in flight is at most what was measured (or, for the
    /// sample, 0: it is freed) plus each block's `FrameSink.compressedBound`, so nothing is
    /// waited for; while the sample only grows, the array's capacity is not predicted and the
    /// thread is waited for (it copies, no more).
    var memoryFootprintBound: Int {
        let bound = worker.state.withLock { s -> Int? in
            if !s.sampling { return s.sinkBytes + s.pendingBound }
            if s.sampleBytes + s.pendingRaw >= StoreDictionary.sampleSize { return s.sampleBound + s.pendingBound }
            return nil
        }
        return bound ?? memoryFootprint
    }

    /// Ends the thread once it has taken every block, and returns its sink. Call once.
    func finish() -> FrameSink { worker.finish() }

    /// The thread's side: the sink (its own until it ends) and the queue it shares.
    private final class Worker: @unchecked Sendable {
        // @unchecked: `sink` is touched by the thread only, until `ended` is signalled; the
        // rest is behind `state` or a semaphore.
        struct State {
            var blocks: [[UInt8]] = []
            /// Blocks handed over and not yet taken by the sink.
            var waiting = 0
            /// The writer waits in `drain` for `waiting` to reach 0.
            var draining = false
            var finished = false
            var stopped = false
            /// Whether the thread was started (by the first block).
            var started = false
            var sinkBytes = 0
            /// Raw bytes and `FrameSink.compressedBound` of the blocks handed over and not taken.
            var pendingRaw = 0
            var pendingBound = 0
            /// The sink's `isSampling` and `sampleBytes`, and its sample's blocks' bound.
            var sampling = true
            var sampleBytes = 0
            var sampleBound = 0
        }
        let state = Mutex(State())
        /// Counts the blocks queued (and the finish).
        let queued = DispatchSemaphore(value: 0)
        /// Counts the free places in the queue.
        let room = DispatchSemaphore(value: 0)
        /// Signalled when the queue has just been emptied while `drain` waits.
        let idle = DispatchSemaphore(value: 0)
        let ended = DispatchSemaphore(value: 0)
        var sink = FrameSink()

        init() {
            // Signalled up from 0, not created at `depth`: libdispatch traps when a semaphore is
            // freed below its initial value (`TermPipe.Channel`).
            for _ in 0..<FrameThread.depth { room.signal() }
        }

        func push(_ block: [UInt8]) {
            room.wait()
            state.withLock { s in
                s.blocks.append(block)
                s.waiting += 1
                s.pendingRaw += block.count
                s.pendingBound += FrameSink.compressedBound(rawSize: block.count)
            }
            queued.signal()
        }

        /// Returns once every block pushed has been taken by the sink.
        func drain() {
            let wait = state.withLock { s in
                s.draining = s.waiting > 0
                return s.draining
            }
            if wait { idle.wait() }
        }

        /// Whether the caller is to start the thread: true once, the first time.
        func startIfNeeded() -> Bool {
            state.withLock { s in
                defer { s.started = true }
                return !s.started
            }
        }

        func finish() -> FrameSink {
            let started = state.withLock { s in
                precondition(!s.finished, "a stored-text writer is finished once")
                s.finished = true
                return s.started
            }
            // No block came: no thread, and the sink is untouched.
            guard started else { return sink }
            queued.signal()
            ended.wait()
            return sink
        }

        func stop() {
            let started = state.withLock { s in
                s.stopped = true
                return s.started
            }
            if started { queued.signal() }
        }

        func run() {
            while true {
                queued.wait()
                let next = state.withLock { s -> [UInt8]? in
                    guard !s.stopped, !s.blocks.isEmpty else { return nil }
                    return s.blocks.removeFirst()
                }
                guard let block = next else { break }   // finished (every block taken) or stopped
                block.withUnsafeBytes { sink.take($0) }
                let bytes = sink.memoryFootprint, sampling = sink.isSampling, sampleBytes = sink.sampleBytes
                let bound = FrameSink.compressedBound(rawSize: block.count)
                let wake = state.withLock { s in
                    s.sinkBytes = bytes
                    s.pendingRaw -= block.count
                    s.pendingBound -= bound
                    s.sampling = sampling
                    s.sampleBytes = sampleBytes
                    s.sampleBound = sampling ? s.sampleBound + bound : 0
                    s.waiting -= 1
                    guard s.waiting == 0 && s.draining else { return false }
                    s.draining = false
                    return true
                }
                room.signal()
                if wake { idle.signal() }
            }
            ended.signal()
        }
    }
}

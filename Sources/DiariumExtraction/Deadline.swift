import Dispatch

/// A point in time after which a parse gives up, so one hostile file cannot stall a batch.
public struct Deadline: Sendable {
    /// The allowed duration, for messages.
    public let seconds: Double
    private let end: UInt64

    /// A deadline `seconds` from now.
    public init(seconds: Double) {
        self.seconds = seconds
        end = DispatchTime.now().uptimeNanoseconds &+ UInt64(max(0, seconds) * 1e9)
    }

    /// Seconds left, 0 once it has passed.
    public var remaining: Double {
        let now = DispatchTime.now().uptimeNanoseconds
        return now >= end ? 0 : Double(end - now) / 1e9
    }

    /// Whether the deadline has passed.
    public var expired: Bool { DispatchTime.now().uptimeNanoseconds > end }
}

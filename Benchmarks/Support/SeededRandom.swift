/// Deterministic pseudo-random numbers (SplitMix64, Steele, Lea and Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014), so a failing property test reproduces and a
/// benchmark generates the same corpus on every run. The one copy: the benchmarks use it from
/// here, the tests through DiariumTestSupport. Not part of any product.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public var state: UInt64

    /// A generator starting from `state`.
    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n` (`next() % n`: the slight bias is fine for generated data).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

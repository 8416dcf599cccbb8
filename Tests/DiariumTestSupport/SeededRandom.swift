import BenchmarkSupport

/// The seeded SplitMix64 of Benchmarks/Support, shared by the tests and the benchmarks.
public typealias SeededRandom = BenchmarkSupport.SeededRandom

/// Tests on eight bytes at once (SWAR: one `UInt64` loaded from text), for the byte loops that
/// skip runs of text in which nothing they look for occurs — `Extractor.clean`,
/// `TextDecoding.nfc`, the JSON Lines decoder's strings, the character count of a JSON line's
/// text, a snippet's highlight offsets. Each answers for the word as a whole, exactly: true
/// when at least one of its bytes is such a byte (the bit tricks' stray bits above a match do
/// not matter to a yes/no answer). The `…Mask` forms give the bits the answer is read from
/// (nonzero exactly when it is true), for OR-ing several tests before one branch. Independent
/// of byte order; loading the word is the caller's (`loadUnaligned`).
public enum ByteWord {
    /// 0x01 in every byte.
    public static let ones: UInt64 = 0x0101_0101_0101_0101
    /// 0x80 in every byte.
    public static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether a byte of `w` is `b` (the zero-byte test on `w` XOR `b` in every byte).
    @inlinable @inline(__always)
    public static func hasByte(_ w: UInt64, equalTo b: UInt8) -> Bool { equalMask(w, b) != 0 }

    /// `hasByte(_:equalTo:)`'s bits.
    @inlinable @inline(__always)
    public static func equalMask(_ w: UInt64, _ b: UInt8) -> UInt64 {
        let x = w ^ (ones &* UInt64(b))
        return (x &- ones) & ~x & highs
    }

    /// Whether a byte of `w` is below `n` (at most 0x80; the borrow of a byte ≥ 0x80 is masked
    /// by `~w`).
    @inlinable @inline(__always)
    public static func hasByte(_ w: UInt64, below n: UInt8) -> Bool { belowMask(w, n) != 0 }

    /// `hasByte(_:below:)`'s bits.
    @inlinable @inline(__always)
    public static func belowMask(_ w: UInt64, _ n: UInt8) -> UInt64 {
        (w &- ones &* UInt64(n)) & ~w & highs
    }

    /// Whether a byte of `w` is `t` or above (`t` from 0x80): a byte with its high bit set whose
    /// low seven bits plus 0x100 − `t` carry into bit 7 (no carry leaves a byte: at most
    /// 0x7F + 0x7F).
    @inlinable @inline(__always)
    public static func hasByte(_ w: UInt64, atLeast t: UInt8) -> Bool {
        ((w & ~highs) &+ ones &* (0x100 &- UInt64(t))) & w & highs != 0
    }

    /// The number of bytes of `w` that start a UTF-8 scalar: those that are not continuation
    /// bytes (10xxxxxx).
    @inlinable @inline(__always)
    public static func scalarStarts(_ w: UInt64) -> Int {
        8 &- (w & ~(w << 1) & highs).nonzeroBitCount
    }
}

extension StringProtocol {
    /// The string without leading and trailing whitespace (line breaks included), on UTF-8
    /// bytes. Standard library only: Foundation's `trimmingCharacters(in:)` bridges through NSString.
    func trimmed() -> String {
        let whole = String(self)
        var s = whole
        return s.withUTF8 { b in
            var start = 0, end = b.count
            UTF8Scan.skipWhitespace(b, from: &start, to: end)
            _ = UTF8Scan.skipWhitespace(b, before: &end)
            guard start < end else { return "" }
            return start == 0 && end == b.count ? whole : String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        }
    }

    /// The string without leading and trailing characters from `characters`.
    func trimmed(_ characters: String) -> String {
        guard characters.utf8.allSatisfy({ $0 < 0x80 }) else {
            let set = Set(characters.unicodeScalars)
            let s = unicodeScalars
            guard let first = s.firstIndex(where: { !set.contains($0) }),
                  let last = s.lastIndex(where: { !set.contains($0) }) else { return "" }
            return String(String.UnicodeScalarView(s[first...last]))
        }
        // ASCII characters only: a byte comparison, since no byte of a multi-byte character is ASCII.
        let set = Array(characters.utf8)
        let whole = String(self)
        var s = whole
        return s.withUTF8 { b in
            var start = 0, end = b.count
            while start < end && set.contains(b[start]) { start += 1 }
            while end > start && set.contains(b[end - 1]) { end -= 1 }
            guard start < end else { return "" }
            return start == 0 && end == b.count ? whole : String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        }
    }
}

extension String {
    /// `lowercased()`, on bytes when the text is plain (`UTF8Scan.isPlain`: only Latin-1
    /// capitals change, each by one byte), by Unicode's case mapping otherwise.
    var lowercasedPlain: String {
        var s = self
        let folded = s.withUTF8 { b -> [UInt8]? in
            guard UTF8Scan.isPlain(b, 0..<b.count) else { return nil }
            var out = [UInt8](repeating: 0, count: b.count)
            for i in 0..<b.count { out[i] = UTF8Scan.lowerLatin1(b[i], afterC3: i > 0 && b[i - 1] == 0xC3) }
            return out
        }
        return folded.map { String(decoding: $0, as: UTF8.self) } ?? lowercased()
    }

    /// Whether `uppercased()` leaves the text as it is, on bytes when it is plain.
    var isUppercasedPlain: Bool {
        var s = self
        let plain = s.withUTF8 { b -> Bool? in
            guard UTF8Scan.isPlain(b, 0..<b.count) else { return nil }
            return !UTF8Scan.changesUnderUppercasing(b, 0..<b.count)
        }
        return plain ?? (self == uppercased())
    }
}

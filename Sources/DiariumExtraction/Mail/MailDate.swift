/// The `Date:` header (RFC 5322 § 3.3, with the obsolete forms of § 4.3 and the asctime form
/// some gateways write): `Tue, 8 Mar 2022 10:14:00 +0100`, `8 Mar 22 10:14 CET`,
/// `Tue Mar  8 10:14:00 2022`. The date is kept as written, in the sender's time zone.
enum MailDate {
    static let monthNumbers: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "maj": 5, "jun": 6, "jul": 7, "aug": 8,
        "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12,
    ]

    /// The ISO date (`2022-03-08`) and the time as written (`10:14`), or nil.
    static func parse(_ header: String) -> (date: String, time: String?)? {
        // A real Date field is short; a hostile one must not cost more than a short one.
        let raw = String(header.prefix(200))
        var cleaned = ""
        var depth = 0
        for ch in raw {
            if ch == "(" { depth += 1; continue }
            if ch == ")" && depth > 0 { depth -= 1; continue }
            if depth == 0 { cleaned.append(ch == "," ? " " : ch) }
        }
        var tokens: [String] = []
        for t in cleaned.split(whereSeparator: { $0.isWhitespace }) {
            // 8-Mar-2022 (an old form); a zone such as -0500 stays whole.
            if t.contains(where: \.isLetter), t.contains("-") {
                tokens += t.split(separator: "-").map(String.init)
            } else {
                tokens.append(String(t))
            }
        }
        func number(_ i: Int, digits: ClosedRange<Int>) -> Int? {
            guard tokens.indices.contains(i), digits.contains(tokens[i].count), tokens[i].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(tokens[i])
        }
        let time = tokens.first { t in
            let parts = t.split(separator: ":", omittingEmptySubsequences: false)
            return (2...3).contains(parts.count) && parts.allSatisfy { p in (1...2).contains(p.count) && p.allSatisfy { $0.isASCII && $0.isNumber } }
        }
        var hhmm: String? = nil
        if let time {
            let parts = time.split(separator: ":")
            if let h = Int(parts[0]), let m = Int(parts[1]), h < 24, m < 60 {
                hhmm = (h < 10 ? "0" : "") + "\(h):" + String(parts[1])
            }
        }
        for (mi, t) in tokens.enumerated() {
            let lower = t.lowercased()
            guard lower.count >= 3, lower.allSatisfy(\.isLetter), let month = monthNumbers[String(lower.prefix(3))] else { continue }
            var day: Int? = nil
            var year: Int? = nil
            if let d = number(mi - 1, digits: 1...2), let y = number(mi + 1, digits: 2...4) {
                day = d; year = y                                   // 8 Mar 2022
            } else if let d = number(mi + 1, digits: 1...2) {
                day = d                                             // Mar 8 10:14:00 2022
                year = tokens.indices.dropFirst(mi + 2).lazy.compactMap { number($0, digits: 4...4) }.first
            }
            guard let d = day, var y = year else { continue }
            if y < 50 { y += 2000 } else if y < 1000 { y += 1900 }  // obsolete 2- and 3-digit years
            if let iso = DateFinder.iso(y, month, d) { return (iso, hhmm) }
        }
        // Not RFC 5322 at all: an ISO or Swedish date written by a person or a gateway.
        if let iso = DateFinder.dates(in: raw).first { return (iso, hhmm) }
        return nil
    }
}

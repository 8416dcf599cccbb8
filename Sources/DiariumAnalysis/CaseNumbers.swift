/// Case numbers (diarienummer) compared however they are written.
public enum CaseNumbers {
    /// A case number reduced to its letter and digit groups, leading zeros and a `Dnr` label
    /// dropped: `Dnr KS 2015/123`, `KS-2015-0123` and `ks 2015/0123` all give `KS|2015|123`.
    public static func key(_ s: String) -> String {
        var groups: [String] = []
        var current = ""
        for ch in s.uppercased() {
            if ch.isLetter || ch.isNumber {
                if let last = current.last, last.isNumber != ch.isNumber { groups.append(current); current = "" }
                current.append(ch)
            } else if !current.isEmpty {
                groups.append(current)
                current = ""
            }
        }
        if !current.isEmpty { groups.append(current) }
        if groups.first == "DNR" || groups.first == "DIARIENUMMER" { groups.removeFirst() }
        return groups.map { g in g.first?.isNumber == true ? String(Int(g) ?? 0) : g }.joined(separator: "|")
    }
}

import Foundation

/// A per-document value kept in the segments' fast columns that documents can be counted by.
public enum FastField: String, CaseIterable, Sendable, Codable {
    case authority, year, type, format

    /// The string column holding it (nil for the year, a number column).
    var column: FastValues.Column? {
        switch self {
        case .authority: return .authority
        case .type: return .docType
        case .format: return .format
        case .year: return nil
        }
    }
}

/// Documents counted by the values of some fast fields: one row per distinct combination.
public struct FastFieldCounts: Sendable, Equatable {
    /// The fields counted by, in the order of each row's values.
    public var fields: [FastField]
    /// Per combination of values (nil: the document has none), the number of documents, in
    /// ascending order of the values (none first).
    public var rows: [(values: [String?], count: Int)]
    /// Documents counted.
    public var total: Int

    public static func == (a: FastFieldCounts, b: FastFieldCounts) -> Bool {
        a.fields == b.fields && a.total == b.total && a.rows.count == b.rows.count
            && zip(a.rows, b.rows).allSatisfy { $0.values == $1.values && $0.count == $1.count }
    }

    /// The counts of a single field as a dictionary (documents without a value left out).
    public var byValue: [String: Int] {
        var out: [String: Int] = [:]
        for r in rows { if let v = r.values.first ?? nil { out[v, default: 0] += r.count } }
        return out
    }
}

extension IndexReader {
    /// Counts documents by fast fields without the catalog and without building hits: for each
    /// grouping (a list of fields), the number of live documents per combination of values. The
    /// documents counted are those `documents(segment)` yields for each segment of the snapshot
    /// (segment document numbers; deleted ones are skipped here), or every live document when
    /// `documents` is nil. One pass over the documents serves every grouping.
    ///
    /// Documents without text are in the catalog only (no segment holds them), so they are
    /// never counted here. A segment string column keeps at most 65,534 distinct values; a value
    /// beyond them reads as none.
    public func fastFieldCounts(_ groupings: [[FastField]], documents: ((Int) -> [UInt32])? = nil) -> [FastFieldCounts] {
        var merged = [[[String?]: Int]](repeating: [:], count: groupings.count)
        var total = 0
        for (si, segment) in segments.enumerated() {
            let r = segment.reader
            // Per grouping, counts keyed by the packed ordinals (16 bits per field).
            var packed = [[UInt64: Int]](repeating: [:], count: groupings.count)
            r.withFastColumns { columns in
                @inline(__always) func value(_ f: FastField, _ d: UInt32) -> UInt64 {
                    if let c = f.column { return UInt64(columns.ordinal(c, d)) }
                    return UInt64(columns.year(d))
                }
                func count(_ d: UInt32) {
                    total += 1
                    for (g, fields) in groupings.enumerated() {
                        var key: UInt64 = 0
                        for f in fields { key = key << 16 | value(f, d) }
                        packed[g][key, default: 0] += 1
                    }
                }
                if let documents {
                    for d in documents(si) where Int(d) < r.documentCount && segment.isLive(d) { count(d) }
                } else {
                    for d in 0..<UInt32(r.documentCount) where segment.isLive(d) { count(d) }
                }
            }
            let dictionaries = FastValues.Column.allCases.map { r.fastDictionary($0) }
            for (g, fields) in groupings.enumerated() {
                for (key, n) in packed[g] {
                    var values: [String?] = []
                    for (i, f) in fields.enumerated() {
                        let v = Int(truncatingIfNeeded: (key >> (16 * UInt64(fields.count - 1 - i))) & 0xFFFF)
                        if let c = f.column {
                            values.append(v == 0 ? nil : dictionaries[c.rawValue][v - 1])
                        } else {
                            values.append(v == 0 ? nil : String(v))
                        }
                    }
                    merged[g][values, default: 0] += n
                }
            }
        }
        return groupings.enumerated().map { g, fields in
            let rows = merged[g].map { (values: $0.key, count: $0.value) }.sorted { a, b in
                for (x, y) in zip(a.values, b.values) where x != y {
                    guard let x else { return true }
                    guard let y else { return false }
                    return x.utf8.lexicographicallyPrecedes(y.utf8)
                }
                return false
            }
            return FastFieldCounts(fields: fields, rows: rows, total: total)
        }
    }
}

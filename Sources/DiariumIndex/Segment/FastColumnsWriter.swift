/// A segment's fast values as its FAST section is written (`write(into:)`, the one writer of
/// that layout; `FastColumns` reads it): per document its year, date and, per string column,
/// the index of its value among the distinct values seen: 18 bytes a document in its arrays (2 + 4 +
/// 3 × 4), where a merge kept a `FastValues` (72 bytes) each before.
struct FastColumnsWriter {
    private var years: [UInt16] = []
    private var dates: [UInt32] = []
    /// Per string column (`FastValues.Column`), per document: 0 for none, else 1 + the index
    /// of its value in `values`.
    private var ordinals = [[UInt32]](repeating: [], count: FastValues.Column.allCases.count)
    /// Per string column, the distinct values in the order first seen, and their indexes.
    private var values = [[String]](repeating: [], count: FastValues.Column.allCases.count)
    private var indexes = [[String: UInt32]](repeating: [:], count: FastValues.Column.allCases.count)

    init() {}

    /// The columns of `fast`, in document order.
    init(_ fast: [FastValues]) {
        for v in fast { append(v) }
    }

    /// Adds the next document's values.
    mutating func append(_ v: FastValues) {
        years.append(v.year.map { UInt16(clamping: $0) } ?? 0)
        dates.append(v.date)
        for column in FastValues.Column.allCases {
            let c = column.rawValue
            guard let value = v[column] else {
                ordinals[c].append(0)
                continue
            }
            if let i = indexes[c][value] {
                ordinals[c].append(i + 1)
            } else {
                let i = UInt32(values[c].count)
                values[c].append(value)
                indexes[c][value] = i
                ordinals[c].append(i + 1)
            }
        }
    }

    /// FAST: years (u16 per document, 0 = unknown), then per string column its sorted distinct
    /// values (u32 count; varint length + UTF-8 each) and u16 ordinals per document (0 = none,
    /// k = value k − 1; values past the first 65,534 in order are none); then the dates (u32
    /// per document, `DateKey`, 0 = none; version 4).
    func write(into w: inout ByteWriter) {
        for y in years { w.u16(y) }
        for column in FastValues.Column.allCases {
            let c = column.rawValue
            var order = Array(values[c].indices)
            order.sort { values[c][$0].utf8.lexicographicallyPrecedes(values[c][$1].utf8) }
            order = Array(order.prefix(Int(UInt16.max) - 1))
            var ordinal = [UInt16](repeating: 0, count: values[c].count)
            for (k, i) in order.enumerated() { ordinal[i] = UInt16(k + 1) }
            w.u32(UInt32(order.count))
            for i in order {
                let v = values[c][i]
                w.varint(v.utf8.count)
                w.raw(Array(v.utf8))
            }
            for o in ordinals[c] { w.u16(o == 0 ? 0 : ordinal[Int(o - 1)]) }
        }
        for d in dates { w.u32(d) }
    }
}

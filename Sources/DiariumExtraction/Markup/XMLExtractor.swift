/// Text and field candidates from any XML vocabulary: every text node becomes a line, and
/// elements whose names say title, date, case number or organisation give metadata candidates.
enum XMLExtractor {
    struct Result {
        var text: String
        var fields: [(field: String, value: String, element: String)]
        var root: String?
    }

    static let titleNames: Set<String> = ["title", "titel", "rubrik", "dokumenttitel", "arendemening", "ärendemening", "beteckningrubrik"]
    static let dateNames: Set<String> = ["date", "datum", "upprättad", "upprattad", "beslutad", "beslutsdatum", "fastställd", "faststalld",
                                         "issued", "created", "modified", "publicerad", "utfardad", "utfärdad", "registreringsdatum", "upprattat", "upprättat"]
    static let dnrNames: Set<String> = ["dnr", "diarienummer", "diarienr", "arendenummer", "ärendenummer", "identifier", "beteckning", "arendeid"]
    static let authorityNames: Set<String> = ["myndighet", "organisation", "nämnd", "namnd", "authority", "creator", "publisher",
                                              "utfardare", "utfärdare", "ansvarig_myndighet", "forvaltning", "förvaltning", "enhet"]

    static func extract(_ utf8: [UInt8]) throws -> Result {
        var lines: [String] = []
        var fields: [(String, String, String)] = []
        var stack: [String] = []
        var root: String?
        var buffer = ""
        func flush() {
            let t = TextAccumulator.collapse(buffer)
            buffer = ""
            guard !t.isEmpty else { return }
            lines.append(t)
            if let name = stack.last {
                if titleNames.contains(name) { fields.append(("title", t, name)) }
                if dateNames.contains(name) { fields.append(("date", t, name)) }
                if dnrNames.contains(name) { fields.append(("dnr", t, name)) }
                if authorityNames.contains(name) { fields.append(("authority", t, name)) }
            }
        }
        try LibXML.walkXML(utf8) { event in
            switch event {
            case let .start(name, attributes):
                flush()
                if root == nil { root = name }
                stack.append(name)
                // Attribute values that carry metadata (e.g. <dokument datum="2021-03-01">).
                for (k, v) in attributes {
                    if dateNames.contains(k) { fields.append(("date", v, "@" + k)) }
                    if dnrNames.contains(k) { fields.append(("dnr", v, "@" + k)) }
                }
            case let .text(s):
                buffer += s
            case .end:
                flush()
                _ = stack.popLast()
            }
        }
        flush()
        return Result(text: lines.joined(separator: "\n"), fields: fields, root: root)
    }
}

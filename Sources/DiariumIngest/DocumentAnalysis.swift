import DiariumAnalysis
import DiariumExtraction
import DiariumIndex

/// Turns an extracted document into the index's fields: title, body, and a metadata field
/// holding authority, type, diarienummer, year, date and the path's folder and file names.
public enum DocumentFields {
    /// The searchable metadata text of a document.
    public static func metadataText(_ doc: ExtractedDocument, components: [String]) -> String {
        var parts: [String] = []
        if let a = doc.authority { parts.append(a) }
        if let t = doc.type { parts.append(t) }
        if let d = doc.dnr { parts.append(d) }
        if let y = doc.year { parts.append(String(y)) }
        if let d = doc.date { parts.append(d) }
        parts.append(contentsOf: components)
        // Secrecy provisions cited, searchable as `osl:26:1`.
        parts.append(contentsOf: Citations.secrecyProvisions(in: doc.text))
        return parts.joined(separator: "\n")
    }

    /// Analyses title, body and metadata with `analyzer`.
    public static func analyze(_ doc: ExtractedDocument, components: [String], analyzer: Analyzer) -> [IndexField: FieldTerms] {
        var fields: [IndexField: FieldTerms] = [:]
        fields[.title] = terms(doc.title ?? "", analyzer)
        fields[.body] = terms(doc.text, analyzer)
        fields[.meta] = terms(metadataText(doc, components: components), analyzer)
        return fields
    }

    static func terms(_ text: String, _ analyzer: Analyzer) -> FieldTerms {
        var field = FieldTerms()
        var count: UInt32 = 0
        analyzer.analyze(text) { token in
            field.add(token.term, position: token.position)
            if token.kind == .word { count += 1 }
        }
        field.length = count
        field.finish()
        return field
    }
}

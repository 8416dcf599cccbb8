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
    /// Compound parts of the title and text go to their own low-weight field (`.parts`).
    public static func analyze(_ doc: ExtractedDocument, components: [String], analyzer: Analyzer) -> [IndexField: FieldTerms] {
        var fields: [IndexField: FieldTerms] = [:]
        var parts = FieldTerms()
        fields[.title] = terms(doc.title ?? "", analyzer, parts: &parts)
        // Header and footer lines repeated on most pages count once (`repeatedLines`).
        fields[.body] = terms(doc.indexedText, analyzer, parts: &parts)
        var none = FieldTerms()
        fields[.meta] = terms(metadataText(doc, components: components), analyzer, parts: &none)
        parts.finish()
        fields[.parts] = parts
        return fields
    }

    static func terms(_ text: String, _ analyzer: Analyzer, parts: inout FieldTerms) -> FieldTerms {
        var field = FieldTerms()
        var count: UInt32 = 0
        analyzer.analyze(text) { token in
            switch token.kind {
            case .part:
                parts.add(token.term, position: token.position)
                parts.length += 1
            case .word:
                field.add(token.term, position: token.position)
                field.noteWord(position: token.position, start: token.start)
                count += 1
            case .joined:
                field.add(token.term, position: token.position)
            }
        }
        field.length = count
        field.finish()
        return field
    }
}

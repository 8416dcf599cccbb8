import DiariumOutput

/// HTML output. Everything that comes from a document, the index or the request goes through
/// `SafeText.htmlBlock` (text and attribute values alike: `& < > " '` as entities, controls,
/// bidi and invisible characters made visible, line breaks kept), and URLs the pages build are
/// relative paths on this server with percent-encoded parameters — so a title, a snippet, a file
/// name or a query holding `<script>`, `"><img onerror=…>` or `javascript:` shows as the text it is.
enum HTML {
    /// A path with query parameters; empty values are left out.
    static func url(_ path: String, _ params: [(String, String)]) -> String {
        let q = params.filter { !$0.1.isEmpty }.map { "\(URLQuery.encode($0.0))=\(URLQuery.encode($0.1))" }.joined(separator: "&")
        return q.isEmpty ? path : path + "?" + q
    }

    /// A snippet with its matched words in `<mark>`: the ranges of `highlights` (code-point
    /// offsets into `snippet`, the `«`/`»` around each left out of the output).
    static func snippet(_ snippet: String, highlights: [[Int]]) -> String {
        let scalars = Array(snippet.unicodeScalars)
        var marks = Set<Int>()
        var starts: [Int: Int] = [:]
        for h in highlights where h.count == 2 && h[0] >= 0 && h[0] <= h[1] && h[1] <= scalars.count {
            starts[h[0]] = h[1]
            if h[0] > 0, scalars[h[0] - 1] == "«" { marks.insert(h[0] - 1) }
            if h[1] < scalars.count, scalars[h[1]] == "»" { marks.insert(h[1]) }
        }
        var out = ""
        var i = 0
        while i < scalars.count {
            if let end = starts[i] {
                out += "<mark>" + SafeText.htmlBlock(String(String.UnicodeScalarView(scalars[i..<end]))) + "</mark>"
                i = end
                continue
            }
            if !marks.contains(i) { out += SafeText.htmlBlock(String(scalars[i])) }
            i += 1
        }
        return out
    }
}

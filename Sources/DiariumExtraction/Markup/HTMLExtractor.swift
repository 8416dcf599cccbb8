/// Text and explicit metadata from HTML/XHTML, through libxml2's HTML parser in recover mode.
/// Block elements become line breaks; script, style and navigation are dropped.
enum HTMLExtractor {
    static let skipped: Set<String> = ["script", "style", "noscript", "nav", "template", "svg", "iframe", "object", "head", "button", "select"]
    static let blocks: Set<String> = [
        "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "table", "section", "article",
        "header", "footer", "main", "aside", "blockquote", "pre", "dt", "dd", "dl", "hr", "address", "figure",
        "figcaption", "form", "fieldset", "title", "caption", "body",
    ]

    struct Result {
        var text: String
        var title: String?
        var firstH1: String?
        var meta: [String: String]
    }

    static func extract(_ utf8: [UInt8], deadline: Deadline? = nil) throws -> Result {
        var text = TextAccumulator()
        var skipDepth = 0
        var inTitle = false, inH1 = false
        var title = "", h1 = ""
        var firstH1: String?
        var meta: [String: String] = [:]
        try LibXML.walkHTML(utf8, deadline: deadline) { event in
            switch event {
            case let .start(name, attributes):
                if name == "meta" {
                    let key = (attributes["name"] ?? attributes["property"] ?? attributes["http-equiv"])?.lowercased()
                    if let key, let content = attributes["content"], meta[key] == nil {
                        meta[key] = content.trimmed()
                    }
                }
                if name == "title" { inTitle = true; return }
                if skipDepth > 0 || skipped.contains(name) || attributes["role"] == "navigation" || attributes["hidden"] != nil {
                    skipDepth += 1
                    return
                }
                if name == "h1" && firstH1 == nil { inH1 = true }
                if blocks.contains(name) { text.breakLine() } else if name == "td" || name == "th" { text.space() }
            case let .text(s):
                if inTitle { title += s; return }
                if skipDepth > 0 { return }
                if inH1 { h1 += s }
                text.append(s)
            case let .end(name):
                if name == "title" { inTitle = false; return }
                if skipDepth > 0 { skipDepth -= 1; return }
                if name == "h1" && inH1 {
                    inH1 = false
                    firstH1 = TextAccumulator.collapse(h1)
                }
                if blocks.contains(name) { text.breakLine() } else if name == "td" || name == "th" { text.append(" ") }
            }
        }
        let t = TextAccumulator.collapse(title)
        return Result(text: text.result, title: t.isEmpty ? nil : t, firstH1: firstH1.flatMap { $0.isEmpty ? nil : $0 }, meta: meta)
    }
}

/// Builds extracted text: whitespace runs collapse to one space, block boundaries become one
/// line break, no line starts or ends with spaces. On bytes: the lines done and the line being
/// built are byte buffers, and `result` makes one `String` of them (a `String` appended to per
/// word was a third of an HTML file's extraction).
struct TextAccumulator {
    /// The lines done (never empty ones), joined by line feeds.
    private var done: [UInt8] = []
    private var current: [UInt8] = []
    private var pendingSpace = false

    /// Appends `s` with each run of whitespace (and NUL) as one pending space.
    mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { b in
            var i = 0
            while i < b.count {
                let w = b[i] == 0 ? 1 : UTF8Scan.whitespaceLength(b, at: i)
                if w > 0 {
                    pendingSpace = !current.isEmpty
                    i += w
                    continue
                }
                var j = i + 1
                while j < b.count && b[j] != 0 && UTF8Scan.whitespaceLength(b, at: j) == 0 { j += 1 }
                if pendingSpace { current.append(0x20); pendingSpace = false }
                current.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<j]))
                i = j
            }
        }
    }

    mutating func space() { if !current.isEmpty { pendingSpace = true } }

    mutating func breakLine() {
        if !current.isEmpty {
            if !done.isEmpty { done.append(0x0A) }
            done.append(contentsOf: current)
            current.removeAll(keepingCapacity: true)
        }
        pendingSpace = false
    }

    /// The lines, the one being built included, joined by line feeds.
    var result: String {
        guard !current.isEmpty else { return String(decoding: done, as: UTF8.self) }
        return String(decoding: done.isEmpty ? current : done + [0x0A] + current, as: UTF8.self)
    }

    static func collapse(_ s: String) -> String {
        var a = TextAccumulator()
        a.append(s)
        return a.result
    }
}

import CLibXML2

/// One step of a depth-first walk over a parsed document.
enum MarkupEvent {
    /// An element opens; names are lowercased local names, attribute names likewise.
    case start(name: String, attributes: [String: String])
    /// Character data (text or CDATA), UTF-8.
    case text(String)
    /// The element opened by the matching `start` closes.
    case end(name: String)
}

/// libxml2 behind a safe, small interface: parse UTF-8 markup and walk it. The only file that
/// imports the libxml2 C API. Parsing never loads external entities, DTDs or XIncludes and
/// never touches the network; entity references are not expanded into the walk.
enum LibXML {
    /// Process-wide libxml2 set-up, done once before any parse (thread-safe by `static let`).
    private static let initialized: Bool = {
        xmlInitParser()
        // Every external entity or DTD request gets nothing: the loader refuses all of them.
        xmlSetExternalEntityLoader { _, _, _ in nil }
        return true
    }()

    /// Parses HTML (recover mode) and walks it.
    static func walkHTML(_ utf8: [UInt8], deadline: Deadline? = nil, _ visit: (MarkupEvent) -> Void) throws {
        _ = initialized
        guard let ctxt = htmlNewParserCtxt() else { throw ExtractionError.parseFailed(format: "HTML", reason: "out of memory") }
        defer { htmlFreeParserCtxt(ctxt) }
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)
        let doc = utf8.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { c in
                htmlCtxtReadMemory(ctxt, c.baseAddress, Int32(clamping: c.count), "document.html", "UTF-8", options)
            }
        }
        guard let doc else { throw ExtractionError.parseFailed(format: "HTML", reason: "no document could be recovered") }
        defer { xmlFreeDoc(doc) }
        try walk(doc, deadline: deadline, visit)
    }

    /// Parses XML safely and walks it. Malformed XML is recovered as far as libxml2 can.
    static func walkXML(_ utf8: [UInt8], deadline: Deadline? = nil, _ visit: (MarkupEvent) -> Void) throws {
        _ = initialized
        guard let ctxt = xmlNewParserCtxt() else { throw ExtractionError.parseFailed(format: "XML", reason: "out of memory") }
        defer { xmlFreeParserCtxt(ctxt) }
        // No XML_PARSE_NOENT (no entity substitution), no DTDLOAD/DTDATTR, no XINCLUDE, no HUGE.
        let options = Int32(XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue
            | XML_PARSE_IGNORE_ENC.rawValue)
        let doc = utf8.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { c in
                xmlCtxtReadMemory(ctxt, c.baseAddress, Int32(clamping: c.count), "document.xml", "UTF-8", options)
            }
        }
        guard let doc else {
            let reason = xmlCtxtGetLastError(ctxt).flatMap { e in e.pointee.message.map { String(cString: $0) } }
            throw ExtractionError.parseFailed(format: "XML", reason: reason?.trimmed() ?? "not well-formed")
        }
        defer { xmlFreeDoc(doc) }
        try walk(doc, deadline: deadline, visit)
    }

    /// Iterative depth-first walk (no recursion, so deep nesting cannot overflow the stack).
    private static func walk(_ doc: xmlDocPtr, deadline: Deadline?, _ visit: (MarkupEvent) -> Void) throws {
        var node: xmlNodePtr? = doc.pointee.children
        var stack: [xmlNodePtr] = []
        var visited = 0
        while let n = node {
            visited += 1
            if visited & 4095 == 0, let deadline, deadline.expired { throw ExtractionError.timeLimit(seconds: deadline.seconds) }
            var descend = false
            switch n.pointee.type {
            case XML_ELEMENT_NODE:
                let name = lowerName(n.pointee.name)
                var attributes: [String: String] = [:]
                var a = n.pointee.properties
                while let attr = a {
                    attributes[lowerName(attr.pointee.name)] = attributeValue(attr)
                    a = attr.pointee.next
                }
                visit(.start(name: name, attributes: attributes))
                if n.pointee.children != nil { descend = true } else { visit(.end(name: name)) }
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let c = n.pointee.content { visit(.text(String(cString: c))) }
            default:
                // Comments, processing instructions, entity references (never expanded), DTD nodes.
                break
            }
            if descend {
                stack.append(n)
                node = n.pointee.children
                continue
            }
            var next = n.pointee.next
            while next == nil, let parent = stack.popLast() {
                visit(.end(name: lowerName(parent.pointee.name)))
                next = parent.pointee.next
            }
            node = next
        }
    }

    /// Longest attribute value kept, in bytes.
    static let maxAttributeBytes = 1 << 20

    /// An attribute's value: its text nodes, at most `maxAttributeBytes`. Entity references are
    /// left out, as in element text. (`xmlNodeGetContent` would expand them: one 50 KB entity
    /// referenced 50,000 times in an attribute makes 2.5 GB, built by repeated concatenation.)
    private static func attributeValue(_ attr: xmlAttrPtr) -> String {
        var bytes: [UInt8] = []
        var child = attr.pointee.children
        while let c = child, bytes.count < maxAttributeBytes {
            if c.pointee.type == XML_TEXT_NODE, let content = c.pointee.content {
                let n = strlen(UnsafeRawPointer(content).assumingMemoryBound(to: CChar.self))
                bytes.append(contentsOf: UnsafeBufferPointer(start: content, count: min(n, maxAttributeBytes - bytes.count)))
            }
            child = c.pointee.next
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func lowerName(_ name: UnsafePointer<xmlChar>?) -> String {
        guard let name else { return "" }
        return String(cString: name).lowercased()
    }
}

import Foundation

import Foundation

/// One parsed request: method, target (path and query as sent) and headers.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", head = "HEAD" }

    public var method: Method
    /// The request target as sent: `/path?query`, still percent-encoded.
    public var target: String
    /// Header names lowercased, in the order received.
    public var headers: [(String, String)]
    /// Whether the client keeps the connection open after the response.
    public var keepAlive: Bool

    public init(method: Method, target: String, headers: [(String, String)] = [], keepAlive: Bool = true) {
        self.method = method
        self.target = target
        self.headers = headers
        self.keepAlive = keepAlive
    }

    /// The value of header `name` (lowercase).
    public func header(_ name: String) -> String? { headers.last(where: { $0.0 == name })?.1 }

    /// The path, percent-decoded; nil when the encoding is invalid or decodes to bytes that
    /// are not UTF-8 or hold a NUL.
    public var path: String? {
        let raw = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return URLQuery.decode(raw, plusIsSpace: false)
    }

    /// The query parameters (`a=1&b=x+y`), decoded; malformed pairs are skipped.
    public var query: URLQuery {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return URLQuery(parts.count > 1 ? String(parts[1]) : "")
    }
}

/// Query parameters of a URL, decoded (`+` is a space, as forms send them).
public struct URLQuery: Sendable {
    public private(set) var items: [(name: String, value: String)] = []
    /// True when some pair was not validly percent-encoded UTF-8 (it is left out of `items`).
    public private(set) var malformed = false

    public init(_ raw: String) {
        for pair in raw.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = URLQuery.decode(String(kv[0]), plusIsSpace: true),
                  let value = URLQuery.decode(kv.count > 1 ? String(kv[1]) : "", plusIsSpace: true) else {
                malformed = true
                continue
            }
            items.append((name, value))
        }
    }

    /// The first value of `name`.
    public subscript(_ name: String) -> String? { items.first(where: { $0.name == name })?.value }

    /// Every value of `name`.
    public func all(_ name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }

    /// Percent-decodes `s`; nil for a malformed escape, bytes that are not UTF-8, or NUL.
    public static func decode(_ s: String, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%") {
                guard it.count >= 2, let hi = hex(it[it.startIndex]), let lo = hex(it[it.startIndex + 1]) else { return nil }
                bytes.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else if b == UInt8(ascii: "+") && plusIsSpace {
                bytes.append(0x20)
            } else {
                bytes.append(b)
            }
        }
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return text
    }

    /// `s` percent-encoded for a query value (unreserved characters kept, space as `+`).
    public static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case 0x20: out += "+"
            default: out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// HTTP status codes the server sends.
public enum HTTPStatus: Int, Sendable {
    case ok = 200, notModified = 304, badRequest = 400, forbidden = 403, notFound = 404, methodNotAllowed = 405
    case gone = 410, payloadTooLarge = 413, uriTooLong = 414, misdirected = 421, headersTooLarge = 431
    case internalError = 500, serviceUnavailable = 503

    var reason: String {
        switch self {
        case .ok: return "OK"
        case .notModified: return "Not Modified"
        case .badRequest: return "Bad Request"
        case .forbidden: return "Forbidden"
        case .notFound: return "Not Found"
        case .methodNotAllowed: return "Method Not Allowed"
        case .gone: return "Gone"
        case .payloadTooLarge: return "Content Too Large"
        case .uriTooLong: return "URI Too Long"
        case .misdirected: return "Misdirected Request"
        case .headersTooLarge: return "Request Header Fields Too Large"
        case .internalError: return "Internal Server Error"
        case .serviceUnavailable: return "Service Unavailable"
        }
    }
}

/// A response: status, headers and the whole body.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: HTTPStatus, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status
        self.body = body
        self.headers = [("Content-Type", contentType)] + headers
    }

    /// A plain-text response (errors of the HTTP layer).
    public static func plain(_ status: HTTPStatus, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    /// Headers every response carries: no script or style from anywhere but the server
    /// itself, no inline script or style, no framing, no sniffing, no referrer.
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]

    /// The status line and headers.
    func head(keepAlive: Bool) -> String {
        var out = "HTTP/1.1 \(status.rawValue) \(status.reason)\r\n"
        for (k, v) in headers + HTTPResponse.securityHeaders where !v.contains(where: { $0 == "\r" || $0 == "\n" }) {
            out += "\(k): \(v)\r\n"
        }
        if !headers.contains(where: { $0.0.lowercased() == "cache-control" }) { out += "Cache-Control: no-store\r\n" }
        out += "Content-Length: \(body.count)\r\n"
        out += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return out
    }
}

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
private let systemSend = Glibc.send
private let systemRecv = Glibc.recv
#else
import Darwin
private let systemSend = Darwin.send
private let systemRecv = Darwin.recv
#endif

/// A small HTTP/1.1 server for a local, read-only application: GET and HEAD only, no request
/// bodies, keep-alive, everything bounded.
///
/// Concurrency model. One accept thread takes connections; each accepted connection gets its
/// own thread (a `Thread`, so blocking reads, SQLite and segment reads never starve Swift's
/// cooperative pool) for as long as it stays open. At most `Limits.connections` connections are
/// open at once: one more is answered `503` at once and closed. Inside a connection, handling a
/// request (search, rendering) takes one of `Limits.workers` slots (a counting semaphore, about
/// two per core: search is CPU-bound, more in flight only adds memory and latency); a request
/// that waits longer than `Limits.queueWait` for a slot is answered `503`. The handler is called
/// on the connection's thread and must be thread-safe.
///
/// Request limits. The request line and headers together may be `Limits.headerBytes` long
/// (`431` past it, `414` when the request line alone is longer than `Limits.targetBytes`); a
/// request announcing a body (`Content-Length` > 0 or any `Transfer-Encoding`) is answered `413`
/// and the connection closed; a connection idle for `Limits.idleSeconds` is closed; a client that
/// stops reading for `Limits.sendSeconds` is dropped. Malformed requests get `400` and a close.
/// None of this stops the server: every failure is confined to its connection.
public final class HTTPServer: Sendable {
    /// Bounds on what clients may ask of the server.
    public struct Limits: Sendable {
        public var connections = 64
        public var workers = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        public var queueWait: Double = 10
        public var headerBytes = 16 * 1024
        public var targetBytes = 8 * 1024
        public var idleSeconds = 15
        public var sendSeconds = 30
        public var requestsPerConnection = 10_000
        public init() {}
    }

    /// The address the server listens on.
    public let host: String
    /// The port it listens on (the one the system chose when 0 was asked for).
    public let port: Int
    private let limits: Limits
    private let listener: Int32
    private let open = Mutex(0)
    private let slots: DispatchSemaphore

    /// Binds `host:port` (port 0: any free port) and starts listening; `run` serves.
    public init(host: String, port: Int, limits: Limits = Limits()) throws {
        self.host = host
        self.limits = limits
        slots = DispatchSemaphore(value: limits.workers)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var info: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &info)
        guard rc == 0, let first = info else {
            throw ServerError.address(host: host, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(info) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServerError.socket(operation: "socket", errno: errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let e = errno
            close(fd)
            throw ServerError.bind(host: host, port: port, errno: e)
        }
        guard listen(fd, 128) == 0 else {
            let e = errno
            close(fd)
            throw ServerError.socket(operation: "listen", errno: e)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = storage.ss_family
        self.port = withUnsafePointer(to: &storage) { p -> Int in
            if family == sa_family_t(AF_INET6) {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
        listener = fd
    }

    /// Accepts connections on the calling thread and answers their requests with `handler`
    /// (called on connection threads, concurrently); returns only if the listening socket fails.
    public func run(_ handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        signal(SIGPIPE, SIG_IGN)
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    if errno != EINTR && errno != ECONNABORTED { usleep(50_000) }
                    continue
                }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let admitted = open.withLock { n -> Bool in
                guard n < limits.connections else { return false }
                n += 1
                return true
            }
            guard admitted else {
                var c = Connection(fd: fd, limits: limits)
                c.send(HTTPResponse.plain(.serviceUnavailable, "Too many connections; try again.\n"), head: false, keepAlive: false)
                close(fd)
                continue
            }
            let thread = Thread { [self] in
                serve(fd, handler)
                close(fd)
                open.withLock { $0 -= 1 }
            }
            // The query parser and evaluator recurse once per nesting level: a 1000-byte query of
            // parentheses needs a few MiB (the main thread's 8 MiB suffices for the CLI). Only
            // the pages touched are committed.
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    /// Requests on one connection until it closes, times out or breaks a limit.
    private func serve(_ fd: Int32, _ handler: @Sendable (HTTPRequest) -> HTTPResponse) {
        var timeout = timeval(tv_sec: limits.idleSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sendTimeout = timeval(tv_sec: limits.sendSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var connection = Connection(fd: fd, limits: limits)
        for served in 0..<limits.requestsPerConnection {
            let parsed: HTTPRequest
            switch connection.readRequest() {
            case .closed: return
            case let .rejected(response):
                connection.send(response, head: false, keepAlive: false)
                return
            case let .request(r): parsed = r
            }
            let keepAlive = parsed.keepAlive && served + 1 < limits.requestsPerConnection
            let response: HTTPResponse
            if slots.wait(timeout: .now() + limits.queueWait) == .timedOut {
                response = .plain(.serviceUnavailable, "The server is busy; try again.\n")
            } else {
                response = handler(parsed)
                slots.signal()
            }
            guard connection.send(response, head: parsed.method == .head, keepAlive: keepAlive), keepAlive else { return }
        }
    }
}

/// Why the server could not start.
public enum ServerError: Error, CustomStringConvertible {
    case address(host: String, reason: String)
    case bind(host: String, port: Int, errno: Int32)
    case socket(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case let .address(host, reason): return "cannot listen on '\(host)': \(reason)"
        case let .bind(host, port, e):
            let hint = e == EADDRINUSE ? " (another program uses it: choose another with --port)" : e == EACCES ? " (ports below 1024 need privileges: choose another with --port)" : ""
            return "cannot listen on \(host):\(port): \(String(cString: strerror(e)))\(hint)"
        case let .socket(operation, e): return "\(operation) failed: \(String(cString: strerror(e)))"
        }
    }
}

/// One client connection: buffered reading of requests within the limits, writing responses.
struct Connection {
    let fd: Int32
    let limits: HTTPServer.Limits
    /// Bytes read past the end of the last request (a pipelined next request).
    private var pending: [UInt8] = []

    init(fd: Int32, limits: HTTPServer.Limits) {
        self.fd = fd
        self.limits = limits
    }

    enum ReadOutcome {
        case request(HTTPRequest)
        case rejected(HTTPResponse)
        case closed
    }

    /// Reads one request head (request line and headers) of at most `headerBytes`.
    mutating func readRequest() -> ReadOutcome {
        var chunk = [UInt8](repeating: 0, count: 8192)
        var searchFrom = 0
        while true {
            if let end = HTTPParser.headEnd(pending, from: searchFrom) {
                let head = Array(pending[..<end])
                pending.removeFirst(end)
                return HTTPParser.parse(head: head, limits: limits)
            }
            searchFrom = max(0, pending.count - 3)
            if pending.count > limits.headerBytes {
                if let lineEnd = pending.firstIndex(of: 0x0A), lineEnd <= limits.targetBytes {
                    return .rejected(.plain(.headersTooLarge, "The request headers are larger than \(limits.headerBytes) bytes.\n"))
                }
                return .rejected(.plain(.uriTooLong, "The address is longer than \(limits.targetBytes) bytes.\n"))
            }
            let n = chunk.withUnsafeMutableBytes { systemRecv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                // Closed, reset or idle too long: a partial request is dropped silently.
                return .closed
            }
            pending.append(contentsOf: chunk[..<n])
        }
    }

    /// Writes `response` (its head only for HEAD); false if the client is gone.
    @discardableResult
    mutating func send(_ response: HTTPResponse, head: Bool, keepAlive: Bool) -> Bool {
        var out = Array(response.head(keepAlive: keepAlive).utf8)
        if !head { out.append(contentsOf: response.body) }
        var sent = 0
        while sent < out.count {
            let n = out.withUnsafeBytes { systemSend(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}

/// Parsing of a request head; pure functions over bytes, tested directly.
enum HTTPParser {
    /// Index just past the blank line ending the head, searching from `from`.
    static func headEnd(_ bytes: [UInt8], from: Int) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var i = max(0, from)
        while i + 3 < bytes.count {
            if bytes[i] == 0x0D && bytes[i + 1] == 0x0A && bytes[i + 2] == 0x0D && bytes[i + 3] == 0x0A { return i + 4 }
            i += 1
        }
        // Bare LF line ends (tolerated, RFC 9112 §2.2).
        i = max(0, from)
        while i + 1 < bytes.count {
            if bytes[i] == 0x0A && bytes[i + 1] == 0x0A { return i + 2 }
            i += 1
        }
        return nil
    }

    static func parse(head: [UInt8], limits: HTTPServer.Limits) -> Connection.ReadOutcome {
        // Lines split on bytes: in a Swift String "\r\n" is one Character.
        var lines: [Substring] = []
        for raw in head.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let bytes = raw.last == 0x0D ? raw.dropLast() : raw
            guard let line = String(validating: bytes, as: UTF8.self) else {
                return .rejected(.plain(.badRequest, "The request is not valid: its head is not UTF-8 text.\n"))
            }
            lines.append(Substring(line))
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { return .rejected(.plain(.badRequest, "The request is empty.\n")) }
        if requestLine.utf8.count > limits.targetBytes {
            return .rejected(.plain(.uriTooLong, "The address is longer than \(limits.targetBytes) bytes.\n"))
        }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0", parts[1].first == "/" else {
            return .rejected(.plain(.badRequest, "The request line is not valid HTTP/1.1 (METHOD /path HTTP/1.1).\n"))
        }
        guard parts[1].utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .rejected(.plain(.badRequest, "The address holds characters that must be percent-encoded.\n"))
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[..<colon].contains(where: { $0 == " " || $0 == "\t" }) else {
                return .rejected(.plain(.badRequest, "A request header is not valid (Name: value).\n"))
            }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let method: HTTPRequest.Method
        switch parts[0] {
        case "GET": method = .get
        case "HEAD": method = .head
        default:
            var r = HTTPResponse.plain(.methodNotAllowed, "Only GET and HEAD are served: diarium serve is read only.\n")
            r.headers.append(("Allow", "GET, HEAD"))
            return .rejected(r)
        }
        if headers.contains(where: { $0.0 == "transfer-encoding" })
            || headers.contains(where: { $0.0 == "content-length" && $0.1 != "0" }) {
            return .rejected(.plain(.payloadTooLarge, "Requests may not have a body: diarium serve is read only.\n"))
        }
        let version11 = parts[2] == "HTTP/1.1"
        let connection = headers.last(where: { $0.0 == "connection" })?.1.lowercased() ?? ""
        let keepAlive = version11 ? !connection.contains("close") : connection.contains("keep-alive")
        return .request(HTTPRequest(method: method, target: String(parts[1]), headers: headers, keepAlive: keepAlive))
    }
}

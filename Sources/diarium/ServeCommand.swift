import ArgumentParser
import DiariumIndex
import DiariumServer
import Foundation

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the index as a web application: search with facets, documents with highlights, the inventory, the report and a JSON API.",
        discussion: Help.discussion("Listens on 127.0.0.1 only unless --host says otherwise; read only; works offline. See docs/api.md.", examples: [
            (command: "diarium serve", what: "http://127.0.0.1:8080/ on the index ./index, files under the current folder"),
            (command: "diarium serve --index /data/index --files /data --port 9000", what: "another index, its files and port"),
        ]))

    @OptionGroup var index: IndexOptions

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port: Int = 8080

    @Option(help: "Address to listen on. Anything but a loopback address makes the release readable by others on the network.")
    var host: String = "127.0.0.1"

    @Option(help: "The folder ingest ran in: the catalog's paths are relative to it, and downloads are read from there (default: the current folder).")
    var files: String = "."

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535, not \(port)") }
    }

    func run() throws {
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.")
        // The index first: a missing or unusable one exits 3 before anything listens.
        _ = try reporting { try IndexReader(directory: index.path) }
        let server = try reporting { try HTTPServer(host: host, port: port) }
        let app = WebApp(indexDirectory: index.path, filesRoot: files, loopbackPort: loopback ? server.port : nil)
        try reporting { try app.check() }
        if !loopback {
            Terminal.writeError("warning: listening on \(host), not on loopback: anyone who can reach this address can read the whole release\n")
        }
        let shown = host.contains(":") ? "[\(host)]" : host
        FileHandle.standardOutput.write(Data("diarium serve: http://\(shown):\(server.port)/ (index \(index.path); Ctrl-C stops)\n".utf8))
        server.run { request in app.handle(request) }
        throw UserError(message: "the listening socket failed: \(String(cString: strerror(errno)))")
    }
}

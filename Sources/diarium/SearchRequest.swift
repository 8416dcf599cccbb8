import DiariumIndex
import DiariumOutput
import DiariumSearch
import Foundation

/// One `diarium search` (not `--batch`) in plain values: what `Search` runs after
/// ArgumentParser has parsed the command line, and what a fresh process runs without
/// ArgumentParser when `parse` reads the command line itself.
///
/// Why a second reader of the same options: ArgumentParser builds the command's argument
/// definitions by reflecting every property wrapper (`Mirror`, dynamic casts, generic
/// metadata), and each first cast scans the runtime's conformance records. For `search lite`
/// on the 100k benchmark index that was 17.8 M of 141 M instructions of the whole process
/// (callgrind), more than opening the index. `parse` accepts only the plain forms of the
/// options a script or an editor passes; any other command line (`--help`, `--batch`, an
/// unknown or repeated option, a value out of range or not of the option's kind, `--`, a word
/// starting with `-`) returns nil and ArgumentParser parses it as before, so its messages, help
/// and exit statuses stay the only ones.
struct SearchRequest {
    var indexDirectory: String?
    var query: [String] = []
    var limit = 10
    var offset = 0
    var format: Search.SearchFormat = .text
    var sort: Search.SortOrder = .score
    var explain = false
    var count = false
    var lang: Language?

    /// The arguments after `search`, or nil when ArgumentParser must read them.
    static func parse(_ arguments: [String]) -> SearchRequest? {
        var r = SearchRequest()
        var seen = Set<String>()
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            i += 1
            guard a.hasPrefix("-") else { r.query.append(a); continue }
            // `--name value` or `--name=value`.
            var name = a, inline: String?
            if let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                inline = String(a[a.index(after: eq)...])
            }
            guard seen.insert(name).inserted else { return nil }
            switch name {
            case "--count", "--explain":
                guard inline == nil else { return nil }
                if name == "--count" { r.count = true } else { r.explain = true }
                continue
            case "--index", "--limit", "--offset", "--format", "--sort", "--lang":
                break
            default:
                return nil
            }
            let value: String
            if let inline {
                value = inline
            } else {
                guard i < arguments.count else { return nil }
                value = arguments[i]
                i += 1
            }
            guard !value.isEmpty, !value.hasPrefix("-") else { return nil }
            switch name {
            case "--index": r.indexDirectory = value
            case "--limit":
                guard let n = Int(value), OptionBounds.page.contains(n) else { return nil }
                r.limit = n
            case "--offset":
                guard let n = Int(value), OptionBounds.page.contains(n) else { return nil }
                r.offset = n
            case "--format":
                guard let f = Search.SearchFormat(rawValue: value) else { return nil }
                r.format = f
            case "--sort":
                guard let s = Search.SortOrder(rawValue: value) else { return nil }
                r.sort = s
            default:
                guard let l = Language(rawValue: value) else { return nil }
                r.lang = l
            }
        }
        return r
    }

    /// The searcher over the index in `directory` (nil: `$DIARIUM_INDEX`, else `./index`), with
    /// the synonym file's warnings written to standard error.
    static func openSearcher(_ directory: String?) throws -> Searcher {
        let searcher = try reporting { try Searcher(reader: try IndexReader(directory: IndexOptions.resolve(directory), threads: .one)) }
        for w in searcher.synonyms.warnings { Terminal.writeError("warning: synonyms: \(SafeText.line(w))\n") }
        return searcher
    }

    func run() throws {
        try run(with: try SearchRequest.openSearcher(indexDirectory))
    }

    /// `run`, then the end of the process (status 0) without releasing the searcher: `exit`
    /// flushes standard output and closes the files, and the kernel unmaps the segments.
    /// Releasing it made the process tear down what it was about to drop anyway: the
    /// catalog's GRDB queue disposes of its Dispatch queue, which starts a Dispatch worker
    /// thread (`clone3` and an 8 MiB stack) in the last moment of a fresh `diarium search`,
    /// then the segment maps are unmapped one by one and the structures freed (1.1 M
    /// instructions on the 100k benchmark index, `Searcher.deinit` in callgrind). Nothing is
    /// written at close: the catalog connection is read-only.
    func runAndExit() throws -> Never {
        let searcher = try SearchRequest.openSearcher(indexDirectory)
        try run(with: searcher)
        withExtendedLifetime(searcher) { Foundation.exit(ExitStatus.success.rawValue) }
    }

    func run(with searcher: Searcher) throws {
        let text = query.joined(separator: " ")
        if explain { print(SafeText.block(try reporting { try searcher.explain(text) })) }
        var result = try reporting {
            try searcher.search(text, limit: limit, offset: offset, countTotal: count, order: SearchOrder(rawValue: sort.rawValue) ?? .score)
        }
        result.locateFiles(try reporting { try searcher.reader.rootFolders() })
        switch format {
        case .json: print(try JSONOutput.encode(result))
        case .csv: print(CSV.hits(result.hits), terminator: "")
        case .text:
            let strings = LanguageOptions.resolve(lang).strings
            print(TextOutput.search(result, strings: strings, from: FileManager.default.currentDirectoryPath), terminator: "")
        }
    }
}

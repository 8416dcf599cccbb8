import DiariumIndex

/// The version line and the examples of `diarium help COMMAND` (and the man page made from
/// them), kept in one place so they are easy to keep true.
enum Help {
    /// The release; `make install` and the man page show it.
    static let release = "0.6.0"

    static var version: String {
        "diarium \(release) (index: catalog format v\(IndexFormatVersions.catalog), segment format v\(IndexFormatVersions.segment))"
    }

    /// A discussion with the examples under it.
    static func discussion(_ text: String, examples: [(command: String, what: String)]) -> String {
        var out = text.isEmpty ? "" : text + "\n\n"
        out += "Examples:\n"
        for e in examples { out += "  \(e.command)\n      \(e.what)\n" }
        return out
    }

    static let exitCodes = """
        Exit codes: 0 success; 1 problems found (verify) or a command failed; 2 a mistake in the command \
        line (usage). Errors are one line on standard error naming the file and the remedy.
        """
}

import Foundation

/// Query-time synonyms: groups of expressions that mean the same thing, each one or more
/// words. A query word or run of words found in a group also matches the group's other
/// expressions (ranked a little below the words typed).
///
/// File format (UTF-8): one group per line, expressions separated by commas; `#` starts a
/// comment. Example: `DPIA, konsekvensbedömning, konsekvensbedömning avseende dataskydd`.
/// diarium ships the public sector's common pairs (`Synonyms.builtIn`); a user adds groups in
/// a file named by `$DIARIUM_SYNONYMS` or `synonyms.txt` in the index directory.
public struct Synonyms: Sendable {
    /// The groups, each a list of expressions as written.
    public private(set) var groups: [[String]]

    /// The groups shipped with diarium.
    public static let builtIn = """
        # Microsoft's office suite under its names through the years
        O365, Office 365, Microsoft 365, M365
        # Data protection impact assessment
        DPIA, konsekvensbedömning, konsekvensbedömning avseende dataskydd
        # Risk and vulnerability analysis
        ROS, risk- och sårbarhetsanalys, risk och sårbarhetsanalys
        # EU General Data Protection Regulation
        GDPR, dataskyddsförordningen, dataskyddsförordning
        # Public Access to Information and Secrecy Act (2009:400)
        OSL, offentlighets- och sekretesslagen, sekretesslagen
        # Personal Data Act (1998:204), replaced by the GDPR in 2018
        PUL, personuppgiftslagen
        # Data processing agreement
        PuB-avtal, PUB-avtal, personuppgiftsbiträdesavtal, biträdesavtal
        # Freedom of the Press Act
        TF, tryckfrihetsförordningen
        # Information security management
        LIS, ledningssystem för informationssäkerhet
        """

    /// What an expression's first word says about its first indexed term, read from bytes
    /// without analysis (the searcher analyses only the groups whose keys a query's terms
    /// admit). The tokenizer lowercases ASCII and Swedish stemming only removes suffixes, so
    /// the term of a word of ASCII letters and digits is a prefix of the word, lowercased.
    public struct Key: Hashable, Sendable {
        /// The first word's leading ASCII letters and digits, lowercased (empty when it starts
        /// with another character).
        public var prefix: [UInt8]
        /// The word ends after `prefix` (at the end or a space): its term is a prefix of
        /// `prefix`. Otherwise the term may go on after `prefix` (a hyphen, a non-ASCII letter).
        public var closed: Bool

        /// Whether a word with this key can have `term` as its term.
        public func admits(_ term: [UInt8]) -> Bool {
            if closed { return prefix.starts(with: term) }
            return term.starts(with: prefix) || prefix.starts(with: term)
        }
    }

    /// The key of one expression (see `Key`); leading ASCII separators are skipped.
    public static func key(ofExpression e: String) -> Key {
        @inline(__always) func alnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) }
        @inline(__always) func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
        var it = e.utf8.makeIterator()
        var prefix: [UInt8] = []
        while let c = it.next() {
            if c >= 0x80 { return Key(prefix: [], closed: false) }
            if alnum(c) { prefix.append(lower(c)); break }
        }
        guard !prefix.isEmpty else { return Key(prefix: [], closed: false) }
        while let c = it.next() {
            if alnum(c) { prefix.append(lower(c)); continue }
            return Key(prefix: prefix, closed: c == 0x20 || c == 0x09)
        }
        return Key(prefix: prefix, closed: true)
    }

    /// Problems with the user's file (a line that is not UTF-8, a file that cannot be read), in
    /// words for the user; the groups of its good lines are used.
    public private(set) var warnings: [String] = []

    /// The largest synonyms file read (bytes); a larger one is ignored with a warning.
    public static let maxFileSize = 64 << 20

    /// Parses groups from the file format above.
    public init(text: String) {
        groups = []
        for line in text.split(whereSeparator: \.isNewline) { if let g = Synonyms.group(Substring(line)) { groups.append(g) } }
    }

    /// The expressions of one line, or nil when it holds fewer than two.
    static func group(_ line: Substring) -> [String]? {
        let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let entries = content.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return entries.count >= 2 ? entries : nil
    }

    /// Parses the user's file: lines split on bytes, each decoded strictly, so a line that is
    /// not UTF-8 is named in a warning and skipped while the other lines count.
    init(file bytes: [UInt8], name: String) {
        groups = []
        var bad: [Int] = []
        var number = 0
        for var line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if line.last == 0x0D { line = line.dropLast() }
            // Bytes up to `#`, split at commas, ASCII blanks trimmed (`,`, `#`, space and tab
            // never occur inside a multi-byte UTF-8 sequence); each expression decoded strictly.
            if let hash = line.firstIndex(of: 0x23) { line = line[..<hash] }
            var entries: [String] = []
            var valid = true
            for var e in line.split(separator: 0x2C) {
                while let f = e.first, f == 0x20 || f == 0x09 { e = e.dropFirst() }
                while let l = e.last, l == 0x20 || l == 0x09 { e = e.dropLast() }
                guard !e.isEmpty else { continue }
                guard let text = String(validating: e, as: UTF8.self) else { valid = false; break }
                entries.append(text)
            }
            if !valid { bad.append(number); continue }
            if entries.count >= 2 { groups.append(entries) }
        }
        if !bad.isEmpty {
            let listed = bad.prefix(5).map(String.init).joined(separator: ", ") + (bad.count > 5 ? " and \(bad.count - 5) more" : "")
            warnings.append("\(name): line\(bad.count == 1 ? "" : "s") \(listed) \(bad.count == 1 ? "is" : "are") not valid UTF-8 and \(bad.count == 1 ? "was" : "were") skipped")
        }
    }

    /// The built-in groups plus those of the user's file, if any: `$DIARIUM_SYNONYMS`, else
    /// `indexDirectory/synonyms.txt`. Only a regular file is read (a named pipe would block
    /// every search), of at most `maxFileSize` bytes; problems become `warnings`.
    public static func load(indexDirectory: String?) -> Synonyms {
        // The built-in groups through the byte parser (the same groups as `init(text:)`, which
        // a test checks; a tenth of the instructions, paid by every fresh `diarium search`).
        var s = Synonyms(file: Array(builtIn.utf8), name: "built-in")
        let env = getenv("DIARIUM_SYNONYMS").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        guard let path = env ?? indexDirectory.map({ $0 + "/synonyms.txt" }) else { return s }
        var st = stat()
        guard stat(path, &st) == 0 else {
            if env != nil { s.warnings.append("\(path): \(String(cString: strerror(errno))); no synonyms read from it") }
            return s
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            s.warnings.append("\(path): not a regular file; no synonyms read from it")
            return s
        }
        guard Int(st.st_size) <= maxFileSize else {
            s.warnings.append("\(path): \(st.st_size) bytes, more than the \(maxFileSize >> 20) MiB read; no synonyms read from it")
            return s
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            s.warnings.append("\(path): cannot be read; no synonyms read from it")
            return s
        }
        let user = Synonyms(file: [UInt8](data), name: path)
        s.groups.append(contentsOf: user.groups)
        s.warnings = user.warnings
        return s
    }
}

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

    /// Parses groups from the file format above.
    public init(text: String) {
        groups = text.split(whereSeparator: \.isNewline).compactMap { line in
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let entries = content.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return entries.count >= 2 ? entries : nil
        }
    }

    /// The built-in groups plus those of the user's file, if any: `$DIARIUM_SYNONYMS`, else
    /// `indexDirectory/synonyms.txt`.
    public static func load(indexDirectory: String?) -> Synonyms {
        var s = Synonyms(text: builtIn)
        let env = ProcessInfo.processInfo.environment["DIARIUM_SYNONYMS"]
        let path = env ?? indexDirectory.map { $0 + "/synonyms.txt" }
        if let path, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            s.groups.append(contentsOf: Synonyms(text: text).groups)
        }
        return s
    }
}

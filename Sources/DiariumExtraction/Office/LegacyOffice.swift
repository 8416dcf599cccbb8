import Foundation

extension ExternalProgram {
    /// catdoc's Word 97–2003 reader (GPL-2.0-or-later; run as a child process, never linked).
    public static let catdoc = ExternalProgram(name: "catdoc", package: "catdoc", license: "GPL-2.0-or-later")
    /// catdoc's Excel 97–2003 reader.
    public static let xls2csv = ExternalProgram(name: "xls2csv", package: "catdoc", license: "GPL-2.0-or-later")
    /// catdoc's PowerPoint 97–2003 reader.
    public static let catppt = ExternalProgram(name: "catppt", package: "catdoc", license: "GPL-2.0-or-later")
}

/// Old binary Office files (Word, Excel and PowerPoint 97–2003, compound files) read through
/// Debian's catdoc tools, run by `ChildProcess` with the parse-time limit, 512 MiB of address
/// space and an output cap. They need a seekable file (catdoc copies standard input to a
/// temporary file, which the runner's file-size limit forbids), so each gets a private
/// temporary copy (mode 0600 in a 0700 folder, removed after).
enum LegacyOffice {
    static func extract(_ bytes: [UInt8], kind: CompoundFile.Kind, limits: ExtractionLimits) -> ExtractedDocument {
        let format = kind.rawValue
        let childLimits = ChildProcess.Limits(seconds: limits.parseTimeLimit, memory: 512 << 20, output: max(1 << 20, min(limits.maxFileSize, 256 << 20)))
        do {
            let result: ChildProcess.Result
            switch kind {
            case .doc:
                result = try withPrivateCopy(bytes, ext: "doc") { path in
                    try ChildProcess.run(.catdoc, arguments: ["-d", "utf-8", "-w", path], limits: childLimits)
                }
            case .xls:
                result = try withPrivateCopy(bytes, ext: "xls") { path in
                    try ChildProcess.run(.xls2csv, arguments: ["-d", "utf-8", "-q", "0", "-c", "\t", path], limits: childLimits)
                }
            case .ppt:
                result = try withPrivateCopy(bytes, ext: "ppt") { path in
                    try ChildProcess.run(.catppt, arguments: ["-d", "utf-8", path], limits: childLimits)
                }
            default:
                return ExtractedDocument(format: format, failure: .unsupportedFormat(format.uppercased()))
            }
            guard result.succeeded else {
                if result.killed == .time { return ExtractedDocument(format: format, failure: .timeLimit(seconds: limits.parseTimeLimit)) }
                return ExtractedDocument(format: format, failure: .parseFailed(format: format.uppercased() + " file",
                                                                              reason: result.summary(limits: childLimits)))
            }
            var text = Extractor.clean(TextDecoding.decode(result.stdout, declared: "utf-8").text)
            // xls2csv separates sheets with form feeds (dropped by clean) and pads cells with tabs.
            text = TextBuilder.collapse(text)
            return ExtractedDocument(format: format, encoding: "utf-8", text: text)
        } catch let e as ChildProcessError {
            if case .notInstalled(let p) = e { return ExtractedDocument(format: format, failure: .programMissing(program: p.name, package: p.package)) }
            return ExtractedDocument(format: format, failure: .parseFailed(format: format.uppercased() + " file", reason: e.description))
        } catch {
            return ExtractedDocument(format: format, failure: .unreadable(reason: "\(error)"))
        }
    }

    /// Runs `body` with the path of a private temporary copy of `bytes`.
    static func withPrivateCopy<T>(_ bytes: [UInt8], ext: String, _ body: (String) throws -> T) throws -> T {
        var template = Array((NSTemporaryDirectory() + "/diarium-input-XXXXXX").utf8CString)
        guard let dir = mkdtemp(&template) else { throw ExtractionError.unreadable(reason: "no private temporary folder: \(String(cString: strerror(errno)))") }
        let folder = String(cString: dir)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/input." + ext
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw ExtractionError.unreadable(reason: "could not write a private temporary copy")
        }
        return try body(path)
    }
}

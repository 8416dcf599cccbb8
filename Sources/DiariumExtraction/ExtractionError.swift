/// Why a file's text could not be extracted. The file is still recorded in the inventory
/// with this reason.
public enum ExtractionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file has no bytes.
    case empty
    /// The file is larger than the configured limit.
    case tooLarge(size: Int, limit: Int)
    /// A recognised format whose text diarium does not extract (yet).
    case unsupportedFormat(String)
    /// Binary content that is no known document format.
    case binary
    /// The parser gave up on the file.
    case parseFailed(format: String, reason: String)
    /// The file could not be read.
    case unreadable(reason: String)
    /// Parsing took longer than the per-file time limit.
    case timeLimit(seconds: Double)
    /// The file (a PDF, an Office document, a ZIP entry) is encrypted: its text cannot be read
    /// without the password. Not a failure: the inventory records what could be read (`encrypted`).
    case encrypted(format: String)
    /// The external program that reads this format is not installed.
    case programMissing(program: String, package: String)
    /// An image, whose text only OCR can read, with OCR turned off.
    case needsOCR(format: String)
    /// The file was read but holds no text (an image in which OCR found no words).
    case noText(reason: String)

    public var description: String {
        switch self {
        case .empty: return "the file is empty"
        case let .tooLarge(size, limit):
            return "the file is \(size) bytes, over the \(limit)-byte limit per file (raise it with --max-file-size)"
        case let .unsupportedFormat(format): return "text extraction from \(format) files is not supported"
        case .binary: return "binary content in no known document format"
        case let .parseFailed(format, reason): return "the \(format) could not be parsed: \(reason)"
        case let .unreadable(reason): return "the file could not be read: \(reason)"
        case let .timeLimit(seconds):
            return "parsing took longer than the \(seconds)-second limit per file (raise it with --parse-time-limit)"
        case let .encrypted(format): return "the \(format) is encrypted: its text cannot be read without the password"
        case let .programMissing(program, package): return "\(program) is not installed: apt-get install \(package)"
        case let .needsOCR(format): return "the \(format) is an image: its text is read by OCR, which is turned off (--ocr off)"
        case let .noText(reason): return "no text: \(reason)"
        }
    }
}

import Foundation
import Synchronization

extension ExternalProgram {
    /// poppler's PDF rasteriser: renders one page for OCR.
    public static let pdftoppm = ExternalProgram(name: "pdftoppm", package: "poppler-utils", license: "GPL-2.0-only OR GPL-3.0-only")
    /// The tesseract OCR engine (with the Swedish and English models of `tesseract-ocr-swe` and
    /// `tesseract-ocr-eng`).
    public static let tesseract = ExternalProgram(name: "tesseract", package: "tesseract-ocr tesseract-ocr-swe", license: "Apache-2.0")
}

/// Why OCR gave no text for a page.
public enum OCRFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A program OCR needs is not installed.
    case notInstalled(program: String, package: String)
    /// The language models are not installed (`tesseract --list-langs` lacks one).
    case missingLanguage(String)
    /// The page took longer than the time limit per page.
    case timeLimit(seconds: Double)
    /// The renderer or the recogniser ran out of the memory it may use.
    case memoryLimit
    /// The rendered page was larger than the image size OCR accepts.
    case pageTooLarge
    /// The program failed; the text says how.
    case failed(program: String, reason: String)

    public var description: String {
        switch self {
        case let .notInstalled(program, package): return "\(program) is not installed: apt-get install \(package)"
        case let .missingLanguage(l): return "tesseract has no \(l) model: apt-get install tesseract-ocr-\(l)"
        case let .timeLimit(seconds): return "OCR took longer than the \(ChildProcess.format(seconds))-second limit per page (raise it with --ocr-page-time-limit)"
        case .memoryLimit: return "OCR ran out of its memory limit"
        case .pageTooLarge: return "the page is too large to render for OCR"
        case let .failed(program, reason): return "\(program) failed: \(reason)"
        }
    }
}

/// Recognises the text of scanned pages: a PDF page is rendered to a grey-scale image by
/// `pdftoppm -r 300 -gray`, and the image is read by `tesseract -l swe+eng` (TSV output, so
/// every word comes with its confidence). Both run through `ChildProcess` with a wall-clock
/// limit per page, a memory limit and `OMP_THREAD_LIMIT=1` (one core per OCR process; the
/// caller decides how many run at once). Document bytes go in on standard input and the image
/// and text come back on standard output: no temporary file is written.
public struct OCREngine: Sendable {
    /// Tesseract languages, `+`-joined (default `swe+eng`: Swedish first).
    public var languages: String
    /// Rendering resolution in dots per inch.
    public var resolution: Int
    /// Wall-clock seconds one page may take, rendering and recognition together.
    public var pageTimeLimit: Double
    /// Bytes of address space each child may use.
    public var memoryLimit: Int
    /// Largest rendered page in bytes (300 dpi grey: A4 is 8.7 MB, A1 70 MB).
    public var maxImageBytes: Int

    public init(languages: String = "swe+eng", resolution: Int = 300, pageTimeLimit: Double = 60,
                memoryLimit: Int = 2 << 30, maxImageBytes: Int = 128 << 20) {
        self.languages = languages
        self.resolution = resolution
        self.pageTimeLimit = pageTimeLimit
        self.memoryLimit = memoryLimit
        self.maxImageBytes = maxImageBytes
    }

    /// What decides the text of a page besides the file and the page number: the tesseract
    /// version, the languages and the rendering. Results cached under another key are not reused.
    public func engineKey() throws(OCRFailure) -> String {
        "\(try OCREngine.tesseractVersion()) \(resolution)dpi-gray"
    }

    private static let version = Mutex<String?>(nil)

    /// `tesseract --version`'s first line, e.g. `tesseract 5.3.0` (asked once per process).
    public static func tesseractVersion() throws(OCRFailure) -> String {
        if let v = version.withLock({ $0 }) { return v }
        let r: ChildProcess.Result
        do {
            r = try ChildProcess.run(.tesseract, arguments: ["--version"], limits: ChildProcess.Limits(seconds: 30, output: 1 << 16))
        } catch {
            throw OCRFailure.notInstalled(program: "tesseract", package: ExternalProgram.tesseract.package)
        }
        // Older versions print it on standard error.
        let text = String(decoding: r.stdout, as: UTF8.self) + "\n" + r.stderr
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tesseract ") }) else {
            throw OCRFailure.failed(program: "tesseract", reason: "no version in `tesseract --version`: \(r.summary(limits: ChildProcess.Limits(seconds: 30)))")
        }
        let v = String(line.trimmingCharacters(in: .whitespaces))
        version.withLock { $0 = v }
        return v
    }

    /// Throws `OCRFailure.missingLanguage` when tesseract lacks the model of one of `languages`
    /// (`tesseract --list-langs`).
    public func checkLanguages() throws(OCRFailure) {
        let limits = ChildProcess.Limits(seconds: 30, output: 1 << 16)
        let r: ChildProcess.Result
        do { r = try ChildProcess.run(.tesseract, arguments: ["--list-langs"], limits: limits) } catch {
            throw OCRFailure.notInstalled(program: "tesseract", package: ExternalProgram.tesseract.package)
        }
        guard r.succeeded else { throw OCRFailure.failed(program: "tesseract", reason: r.summary(limits: limits)) }
        let installed = Set((String(decoding: r.stdout, as: UTF8.self) + "\n" + r.stderr).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) })
        for l in languages.split(separator: "+") where !installed.contains(String(l)) { throw OCRFailure.missingLanguage(String(l)) }
    }

    /// The text of page `page` (1-based) of the PDF `pdf`.
    public func recognizePDFPage(_ pdf: [UInt8], page: Int) throws(OCRFailure) -> RecognizedPage {
        let start = ContinuousClock.now
        let renderLimits = ChildProcess.Limits(seconds: pageTimeLimit, memory: memoryLimit, output: maxImageBytes)
        let render: ChildProcess.Result
        do {
            render = try ChildProcess.run(.pdftoppm, arguments: ["-r", String(resolution), "-gray", "-f", String(page), "-l", String(page), "-"],
                                          stdin: pdf, limits: renderLimits)
        } catch {
            throw OCRFailure.notInstalled(program: "pdftoppm", package: ExternalProgram.pdftoppm.package)
        }
        switch render.killed {
        case .time?: throw OCRFailure.timeLimit(seconds: pageTimeLimit)
        case .memory?: throw OCRFailure.memoryLimit
        case .output?: throw OCRFailure.pageTooLarge
        case nil: break
        }
        // A grey-scale PNM (`P5`), which leptonica recognises by its signature.
        guard render.succeeded, render.stdout.starts(with: [0x50, 0x35]) else {
            throw OCRFailure.failed(program: "pdftoppm", reason: render.summary(limits: renderLimits))
        }
        let elapsed = start.duration(to: .now)
        let left = pageTimeLimit - (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        guard left > 0 else { throw OCRFailure.timeLimit(seconds: pageTimeLimit) }
        let pages = try recognize(image: render.stdout, seconds: left)
        return pages.first ?? RecognizedPage(text: "", words: 0, confidenceSum: 0)
    }

    /// The text of every page (frame) of an image file (PNG, JPEG, TIFF; a multi-page TIFF has
    /// one page per frame), read in one run of tesseract with `pageTimeLimit` per frame.
    public func recognizeImage(_ image: [UInt8], frames: Int) throws(OCRFailure) -> [RecognizedPage] {
        // Tesseract takes standard input in no image format it recognises for a list of image
        // file names, one per line, and OCRs those files (diarium's 4-byte PNG check is not
        // leptonica's 8-byte one). Only bytes whose whole signature leptonica recognises go in,
        // so no document is ever read as such a list.
        guard OCREngine.hasImageSignature(image) else {
            throw OCRFailure.failed(program: "tesseract", reason: "the image could not be read: no complete PNG, JPEG or TIFF signature")
        }
        return try recognize(image: image, seconds: pageTimeLimit * Double(max(1, frames)))
    }

    /// Whether `bytes` start with the full signature of a PNG (8 bytes), a JPEG or a TIFF, as
    /// leptonica checks it (so tesseract never falls back to reading a list of file names).
    static func hasImageSignature(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) || bytes.starts(with: [0xFF, 0xD8, 0xFF])
            || bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
    }

    private func recognize(image: [UInt8], seconds: Double) throws(OCRFailure) -> [RecognizedPage] {
        let limits = ChildProcess.Limits(seconds: seconds, memory: memoryLimit, output: 64 << 20)
        let r: ChildProcess.Result
        do {
            r = try ChildProcess.run(.tesseract, arguments: ["stdin", "stdout", "-l", languages, "tsv"], stdin: image,
                                     environment: ["OMP_THREAD_LIMIT": "1"], limits: limits)
        } catch {
            throw OCRFailure.notInstalled(program: "tesseract", package: ExternalProgram.tesseract.package)
        }
        switch r.killed {
        case .time?: throw OCRFailure.timeLimit(seconds: pageTimeLimit)
        case .memory?: throw OCRFailure.memoryLimit
        case .output?: throw OCRFailure.failed(program: "tesseract", reason: "more than 64 MiB of output")
        case nil: break
        }
        guard r.succeeded else {
            if r.stderr.contains("Failed loading language") || r.stderr.contains("Error opening data file"),
               let missing = languages.split(separator: "+").first(where: { r.stderr.contains("'\($0)'") }) {
                throw OCRFailure.missingLanguage(String(missing))
            }
            throw OCRFailure.failed(program: "tesseract", reason: r.summary(limits: limits))
        }
        // Tesseract exits with 0 on an image it cannot decode; then no page row (level 1) is
        // written, and standard error says why.
        guard TesseractTSV.hasPage(r.stdout) else {
            let reason = r.stderr.split(whereSeparator: \.isNewline).first.map(String.init) ?? "no page in its output"
            throw OCRFailure.failed(program: "tesseract", reason: "the image could not be read: \(reason)")
        }
        return TesseractTSV.parse(r.stdout)
    }
}

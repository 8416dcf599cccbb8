/// Image files a release may hold instead of a PDF (a scan sent as PNG, JPEG or TIFF, a
/// screenshot): they have no text layer, so every page needs OCR. A multi-page TIFF has one page
/// per frame (image file directory).
public enum ImageFile {
    /// Frames a TIFF may have; a longer (or looping) directory chain is cut here.
    static let maxFrames = 10_000

    /// The number of pages of the image `bytes` of `format` (`png`, `jpeg`, `tiff`): the frames
    /// of a TIFF, else 1.
    public static func pageCount(_ bytes: [UInt8], format: String) -> Int {
        format == "tiff" ? max(1, tiffFrames(bytes)) : 1
    }

    /// Counts the image file directories of a TIFF by following the chain of next-IFD offsets,
    /// each checked against the file's bounds; a loop or an offset out of bounds ends the count.
    static func tiffFrames(_ b: [UInt8]) -> Int {
        guard b.count >= 8 else { return 0 }
        let little: Bool
        switch (b[0], b[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return 0
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= b.count else { return nil }
            return little ? Int(b[o]) | Int(b[o + 1]) << 8 : Int(b[o]) << 8 | Int(b[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard o >= 0, o + 4 <= b.count else { return nil }
            let v = little ? UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
                : UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
            return Int(v)
        }
        guard u16(2) == 42, var offset = u32(4) else { return 0 }
        var seen = Set<Int>()
        var frames = 0
        while offset != 0, frames < maxFrames, seen.insert(offset).inserted, let entries = u16(offset) {
            let nextAt = offset + 2 + entries * 12
            guard let next = u32(nextAt) else { break }
            frames += 1
            offset = next
        }
        return frames
    }

    /// The document of an image before OCR: no text, `pages` empty pages, all of them needing OCR.
    static func document(_ bytes: [UInt8], format: String) -> ExtractedDocument {
        var doc = ExtractedDocument(format: format)
        let pages = pageCount(bytes, format: format)
        doc.pageStarts = Array(repeating: 0, count: pages)
        doc.ocrPages = Array(1...pages)
        return doc
    }
}

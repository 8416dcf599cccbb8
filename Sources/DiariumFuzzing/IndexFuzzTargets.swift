import DiariumIndex
import DiariumIngest
import DiariumReport
import DiariumSearch
import Foundation
import GRDB

/// The damaged-index targets (`segment`, `catalog`): a small template index is built once
/// (`template`), each input is a list of changes to a copy of it, and then every reading
/// command runs on the copy through the library: open, search (words, filters, year range,
/// sort by date), list, show with text, stats, report, duplicates, verify, and an ingest that
/// adds a file. None may crash, hang or allocate by a damaged size; each may fail, and then its
/// error must name the index (issue 15, item 11: one line naming the file).
extension FuzzTargets {
    // MARK: Template

    /// The documents of the template index: two authorities, years 2014–2022, one e-mail reply
    /// with a copy, so that filters, year ranges, the report and duplicates all have work.
    static let templateFiles: [(String, String)] = [
        ("Gymnasienämnden/2016/riskanalys.html", "<html><head><title>Riskanalys molntjänst</title><meta name=\"DC.creator\" content=\"Gymnasienämnden\"><meta name=\"DC.date\" content=\"2016-03-01\"></head><body><p>Riskanalys av molntjänsten för skolans elevregister. Dnr GYN 2016/12. Se bilaga 2.</p></body></html>"),
        ("Gymnasienämnden/2019/klassning.html", "<html><head><title>Informationsklassning</title><meta name=\"DC.creator\" content=\"Gymnasienämnden\"><meta name=\"DC.date\" content=\"2019-05-02\"></head><body><p>Informationsklassning av elevregistret enligt riktlinje för informationssäkerhet, KS 2018/4.</p></body></html>"),
        ("Gymnasienämnden/2021/protokoll.txt", "Protokoll\nGymnasienämnden 2021-09-14\n\nNämnden beslutade om riskanalys och konsekvensbedömning för molntjänster. Sekretess enligt 18 kap. 8 § OSL.\n"),
        ("Kommunstyrelsen/2014/policy.txt", "Policy för informationssäkerhet\nKommunstyrelsen 2014-01-20\n\nKommunstyrelsen antar policy för informationssäkerhet och riktlinje för molntjänster.\n"),
        ("Kommunstyrelsen/2020/policy-kopia.txt", "Policy för informationssäkerhet\nKommunstyrelsen 2014-01-20\n\nKommunstyrelsen antar policy för informationssäkerhet och riktlinje för molntjänster.\n"),
        ("Kommunstyrelsen/2022/svar.eml", "From: registrator@kommun.se\nTo: a@b.se\nSubject: Svar på begäran om allmänna handlingar\nDate: Mon, 7 Mar 2022 10:00:00 +0100\n\nHej! Riskanalysen finns inte. Vi lämnar ut policyn. Handlingen är delvis maskerad.\n"),
    ]

    /// The template index: built once per process in a temporary folder, in two ingests (the
    /// second changes a file), so it has two segments and a tombstone. Nil when it cannot be
    /// built (then the targets do nothing).
    nonisolated(unsafe) static var template: String? = {
        let root = NSTemporaryDirectory() + "diarium-fuzz-template-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let folder = root + "/batch", index = root + "/index"
        do {
            for (path, text) in templateFiles {
                let file = folder + "/" + path
                try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: file, atomically: false, encoding: .utf8)
            }
            var options = IngestOptions()
            options.threads = 1
            let first = try Ingester(indexDirectory: index, options: options)
            _ = try first.ingest(paths: [folder])
            first.close()
            try "Protokoll\nGymnasienämnden 2021-09-14\n\nNämnden beslutade om riskanalys, ny version.\n"
                .write(toFile: folder + "/Gymnasienämnden/2021/protokoll.txt", atomically: false, encoding: .utf8)
            let second = try Ingester(indexDirectory: index, options: options)
            _ = try second.ingest(paths: [folder])
            second.close()
            templateRoot = root
            atexit { if let root = FuzzTargets.templateRoot { try? FileManager.default.removeItem(atPath: root) } }
            return index
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            return nil
        }
    }()
    nonisolated(unsafe) static var templateRoot: String?

    /// A fresh copy of the template index; removed by `body`'s caller.
    static func withCopy(_ body: (String) throws -> Void) rethrows {
        precondition(template != nil, "the template index of the segment and catalog targets could not be built")
        guard let template, let root = templateRoot else { return }
        let copy = root + "/run-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        guard (try? FileManager.default.copyItem(atPath: template, toPath: copy)) != nil else { return }
        try body(copy)
    }

    // MARK: Targets

    /// Changes to the bytes of one segment file. Byte 0 picks the segment (of those listed) and
    /// byte 1 the section the changes aim at (0: anywhere in the file; 1–11: the section of
    /// that id, per the segment's directory; 12: the footer; 13: TEXTPOSITIONS, id 20; 14: BOUNDS,
    /// id 12; 15: STOREDICT, id 21; 16: TERMFILTER, id 22). Then groups of four bytes: an
    /// offset (u16 little-endian, modulo the target's length; with the high bit set, counted
    /// back from the target's last byte), a value and an operation — 0 XOR the byte,
    /// 1 set it, 2 write an interesting u32 there (0, 1, 0x7fffffff, 0xffffffff, …), 3 cut the
    /// file there. A last byte with bit 0 set recomputes the footer's CRC-32, so that the
    /// checksum does not hide the change from the decoders behind it.
    public static func segment(_ data: UnsafeRawBufferPointer) { _ = segmentOutcome(data) }

    /// The `segment` target, returning what each command said: its error's text, keyed by the
    /// command (commands that succeeded are absent); nil when the input changed nothing.
    public static func segmentOutcome(_ data: UnsafeRawBufferPointer) -> [String: String]? {
        let input = Array(data.prefix(4096))
        var outcome: [String: String]?
        withCopy { index in
            let dir = index + "/segments"
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
            guard !files.isEmpty else { return }
            let path = dir + "/" + files[Int(input.first ?? 0) % files.count]
            guard var bytes = try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) else { return }
            let target = input.count > 1 ? Int(input[1]) % 17 : 0
            let range = sectionRange(bytes, target) ?? 0..<bytes.count
            var k = 2
            while k + 4 <= input.count, !range.isEmpty {
                let o = Int(input[k]) | Int(input[k + 1]) << 8
                let offset = o & 0x8000 == 0 ? range.lowerBound + o % range.count : range.upperBound - 1 - (o & 0x7fff) % range.count
                let value = input[k + 2]
                switch input[k + 3] % 4 {
                case 0: if offset < bytes.count { bytes[offset] ^= value }
                case 1: if offset < bytes.count { bytes[offset] = value }
                case 2:
                    let v = interestingU32[Int(value) % interestingU32.count]
                    for j in 0..<4 where offset + j < bytes.count { bytes[offset + j] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(j))) }
                default: bytes.removeSubrange(min(offset, bytes.count)...)
                }
                k += 4
            }
            if input.count > 2, input.count % 4 == 3, input[input.count - 1] & 1 == 1, bytes.count >= 4 {
                let crc = crc32(bytes[0..<(bytes.count - 4)])
                for j in 0..<4 { bytes[bytes.count - 4 + j] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(j))) }
            }
            guard (try? Data(bytes).write(to: URL(fileURLWithPath: path))) != nil else { return }
            outcome = exercise(index)
        }
        return outcome
    }

    /// Changes to the catalog's values, as three-byte operations `(op, a, b)`: `a` picks a value
    /// from `interestingValues` (negative, huge, text, NULL, a blob, a real), `b` a row. Ops:
    /// 0 documents.segment_doc, 1 documents.segment_id, 2 a tombstone of a listed segment,
    /// 3 meta next_doc_id, 4 segments.file (names reaching out of segments/ among them),
    /// 5 segments.doc_count, 6 documents.year, 7 documents.part, 8 documents.status (as text),
    /// 9 documents.path (as text), 10 delete a segment row, 11 a byte of the catalog file itself
    /// XORed with `a` at offset `b × 97`, 12 documents.date (as text), 13 meta format_version.
    public static func catalog(_ data: UnsafeRawBufferPointer) { _ = catalogOutcome(data) }

    /// The `catalog` target, returning what each command said (see `segmentOutcome`).
    public static func catalogOutcome(_ data: UnsafeRawBufferPointer) -> [String: String]? {
        let input = Array(data.prefix(3 * 64))
        var outcome: [String: String]?
        withCopy { index in
            let path = index + "/catalog.sqlite"
            var flips: [(Int, UInt8)] = []
            do {
                let queue = try DatabaseQueue(path: path)
                try queue.writeWithoutTransaction { db in
                    let ids = try Int64.fetchAll(db, sql: "SELECT id FROM documents ORDER BY id")
                    let segments = try Int64.fetchAll(db, sql: "SELECT id FROM segments ORDER BY id")
                    var k = 0
                    while k + 3 <= input.count {
                        let op = Int(input[k]) % 14, v = interestingValues[Int(input[k + 1]) % interestingValues.count], b = Int(input[k + 2])
                        let doc = ids.isEmpty ? 0 : ids[b % ids.count], seg = segments.isEmpty ? 0 : segments[b % segments.count]
                        switch op {
                        case 0: try db.execute(sql: "UPDATE documents SET segment_doc = ? WHERE id = ?", arguments: [v, doc])
                        case 1: try db.execute(sql: "UPDATE documents SET segment_id = ? WHERE id = ?", arguments: [v, doc])
                        case 2: try db.execute(sql: "INSERT OR REPLACE INTO tombstones (segment_id, segment_doc) VALUES (?, ?)", arguments: [seg, v])
                        case 3: try db.execute(sql: "INSERT OR REPLACE INTO meta VALUES ('next_doc_id', ?)", arguments: [v])
                        case 4: try db.execute(sql: "UPDATE segments SET file = ? WHERE id = ?", arguments: [segmentNames[b % segmentNames.count], seg])
                        case 5: try db.execute(sql: "UPDATE segments SET doc_count = ? WHERE id = ?", arguments: [v, seg])
                        case 6: try db.execute(sql: "UPDATE documents SET year = ? WHERE id = ?", arguments: [v, doc])
                        case 7: try db.execute(sql: "UPDATE OR IGNORE documents SET part = ? WHERE id = ?", arguments: [v, doc])
                        case 8: try db.execute(sql: "UPDATE documents SET status = CAST(? AS TEXT) WHERE id = ?", arguments: [v, doc])
                        case 9: try db.execute(sql: "UPDATE OR IGNORE documents SET path = CAST(? AS TEXT) WHERE id = ?", arguments: [v, doc])
                        case 10: try db.execute(sql: "DELETE FROM segments WHERE id = ?", arguments: [seg])
                        case 11: flips.append((b * 97, UInt8(truncatingIfNeeded: Int(input[k + 1]) | 1)))
                        case 12: try db.execute(sql: "UPDATE documents SET date = CAST(? AS TEXT) WHERE id = ?", arguments: [v, doc])
                        default: try db.execute(sql: "UPDATE meta SET value = CAST(? AS TEXT) WHERE key = 'format_version'", arguments: [v])
                        }
                        k += 3
                    }
                    try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                }
                try queue.close()
            } catch {
                return  // a change SQLite refuses (a constraint): nothing to test
            }
            if !flips.isEmpty, var bytes = try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path))), !bytes.isEmpty {
                for (offset, x) in flips { bytes[offset % bytes.count] ^= x }
                guard (try? Data(bytes).write(to: URL(fileURLWithPath: path))) != nil else { return }
            }
            outcome = exercise(index)
        }
        return outcome
    }

    static let interestingU32: [UInt32] = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff, 24, 128, 4096]

    static let interestingValues: [DatabaseValue] = [
        (-5).databaseValue, (-1).databaseValue, 0.databaseValue, 1.databaseValue, 2.databaseValue, 3.databaseValue,
        "zz".databaseValue, DatabaseValue.null, Int64(Int32.max).databaseValue, Int64(UInt32.max).databaseValue,
        Int64.max.databaseValue, Int64.min.databaseValue, (Int64.max - 1).databaseValue, 1e300.databaseValue,
        Data([0, 0xFF]).databaseValue, 65_535.databaseValue, "2021-13-45".databaseValue, "".databaseValue,
        "../../../etc/passwd".databaseValue, "\u{1B}]0;x\u{07}".databaseValue, 9999.databaseValue, (-2015).databaseValue,
        "1/".databaseValue,  // Foundation's NSString.deletingLastPathComponent traps on "1/", "a/", "ä/"
    ]

    static let segmentNames = ["../catalog.sqlite", "../../x.seg", "/etc/passwd", "", ".", "..", "a/b.seg", "missing.seg", ".hidden.seg", "x\u{0}.seg"]

    /// The range of section `target` (1–11; 13: TEXTPOSITIONS, id 20; 14: BOUNDS, id 12; 15:
    /// STOREDICT, id 21; 16: TERMFILTER, id 22) or of the footer (12) in a
    /// segment image, read from its directory; nil for 0 or when the directory cannot be read.
    static func sectionRange(_ b: [UInt8], _ target: Int) -> Range<Int>? {
        guard target > 0, b.count >= 40 else { return nil }
        if target == 12 { return (b.count - 24)..<b.count }
        let target = [13: 20, 14: 12, 15: 21, 16: 22][target] ?? target
        func u64(_ o: Int) -> Int? {
            guard o >= 0, o + 8 <= b.count else { return nil }
            return Int(truncatingIfNeeded: (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) })
        }
        func u32(_ o: Int) -> Int? { u64(o).map { $0 & 0xffff_ffff } }
        guard let dir = u64(b.count - 24), let n = u32(dir) else { return nil }
        for e in 0..<min(n, 64) {
            let at = dir + 4 + e * 20
            guard let id = u32(at), let off = u64(at + 4), let len = u64(at + 12) else { return nil }
            if id == target, off >= 0, len >= 0, off <= b.count, len <= b.count - off { return off..<(off + len) }
        }
        return nil
    }

    /// CRC-32 (IEEE), as the segment footer keeps it.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    // MARK: The commands

    /// The errors of a verification report, as the `verify` outcome: each finding's file and
    /// message, joined on one line.
    struct VerificationFindings: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }

    /// Every command a user runs on an index, through the library. Each may fail; a failure
    /// must name the index (a damaged index is reported, never crashed on). The `verify`
    /// outcome is its report's errors (`VerificationFindings`), not only a thrown error.
    @discardableResult
    static func exercise(_ index: String) -> [String: String] {
        var errors: [String: String] = [:]
        func attempt(_ what: String, _ body: () throws -> Void) {
            do { try body() } catch {
                let text = String(describing: error)
                precondition(text.contains(index), "\(what): an error that does not name the index: \(text)")
                errors[what] = text.replacingOccurrences(of: index, with: "INDEX")
            }
        }
        attempt("verify") {
            // verify returns its findings rather than throwing: its errors are its outcome.
            let report = try IndexVerifier(directory: index).verify()
            let found = report.problems.filter { $0.severity == .error }.map { "\($0.file): \($0.message)" }
            if !found.isEmpty { throw VerificationFindings(text: found.joined(separator: "; ")) }
        }
        attempt("open") {
            let reader = try IndexReader(directory: index)
            attempt("stats") { _ = try reader.statistics() }
            attempt("list") {
                _ = try reader.inventory()
                _ = try reader.inventory(years: 2015...2021)
                _ = try reader.countsByYear()
            }
            attempt("show") {
                for d in try reader.inventory() {
                    _ = try reader.document(id: d.id)
                    _ = try reader.documents(path: d.path)
                    _ = try reader.storedText(of: d)
                }
            }
            attempt("search") {
                let searcher = try Searcher(reader: reader)
                for q in ["riskanalys", "year:2015..2021 org:gymnasienämnden", "molntjänst OR policy", "\"riskanalys av\"",
                          "type:protokoll", "info*", "informationssäkerhet NOT policy"] {
                    attempt("search \(q)") {
                        let r = try searcher.search(q, limit: 5)
                        precondition(r.total >= r.hits.count, "total below the hits shown")
                        _ = try searcher.search(q, limit: 0, countTotal: true, strategy: .exhaustive)
                    }
                }
            }
            attempt("report") {
                let report = try ReleaseReport(reader: reader)
                _ = report.markdown()
                _ = report.csv()
            }
            attempt("duplicates") { _ = try DuplicateFamilies(reader: reader) }
        }
        attempt("ingest") {
            guard let root = templateRoot else { return }
            let extra = root + "/extra-\(UInt32.random(in: 0...UInt32.max))"
            defer { try? FileManager.default.removeItem(atPath: extra) }
            try FileManager.default.createDirectory(atPath: extra, withIntermediateDirectories: true)
            try "Ny handling om riskanalys.\n".write(toFile: extra + "/ny.txt", atomically: false, encoding: .utf8)
            var options = IngestOptions()
            options.threads = 1
            let ingester = try Ingester(indexDirectory: index, options: options)
            defer { ingester.close() }
            _ = try ingester.ingest(paths: [extra])
        }
        return errors
    }
}

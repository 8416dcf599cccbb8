import DiariumFuzzing
import DiariumTestSupport
import Foundation
import Testing

/// The damaged indexes of issue 15, item 11, each of which crashed diarium: the kept inputs of
/// the `catalog` and `segment` fuzz targets that make them, run through every command of the
/// library (`FuzzTargets.exercise`). Each must now fail (or succeed) with one line naming the
/// index, and the command the damage concerns must say what is wrong.
@Suite(.serialized) struct DamagedIndexTests {
    func outcome(_ target: String, _ name: String) throws -> [String: String] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + target + "/" + name)))
        let result = bytes.withUnsafeBytes { target == "catalog" ? FuzzTargets.catalogOutcome($0) : FuzzTargets.segmentOutcome($0) }
        let errors = try #require(result, "the input changed nothing")
        for (command, text) in errors {
            #expect(!text.contains("\n"), "\(command): more than one line: \(text)")
        }
        return errors
    }

    /// The template index itself is healthy: every command succeeds on an unchanged copy.
    @Test func unchangedTemplateHasNoErrors() throws {
        let errors = try #require([UInt8]().withUnsafeBytes { FuzzTargets.catalogOutcome($0) })
        #expect(errors == [:])
    }

    /// A tombstone with `segment_doc = -5` crashed every command (`try!`).
    @Test func tombstoneOutsideItsSegment() throws {
        let errors = try outcome("catalog", "tombstone-segment-doc-minus-5")
        #expect(errors["open"]?.contains("a tombstone names document -5 of segment") == true, "\(errors)")
        #expect(errors["open"]?.contains("diarium ingest --rebuild") == true)
        #expect(errors["ingest"] != nil)
        #expect(errors["verify"]?.contains("INDEX/catalog.sqlite: a tombstone names document -5 of segment") == true, "\(errors)")
    }

    /// `documents.segment_doc = -1` crashed `show --text`, `report` and `duplicates`.
    @Test func documentPointingBeforeItsSegment() throws {
        let errors = try outcome("catalog", "segment-doc-minus-1")
        for command in ["show", "report", "duplicates"] {
            #expect(errors[command]?.contains("points at document -1 of segment") == true, "\(command): \(errors)")
        }
        #expect(errors["search riskanalys"] == nil)
    }

    /// `segment_doc = 'zz'` crashed `verify`. SQLite reads the text as 0 for the other
    /// commands, which then show document 0's text: wrong, but bounded, and verify names it.
    @Test func segmentDocThatIsText() throws {
        let errors = try outcome("catalog", "segment-doc-zz")
        #expect(errors["verify"]?.contains("segment_doc of document 1 is \"zz\", not a number") == true, "\(errors)")
        #expect(errors["verify"]?.contains("live documents have no catalog row") == true, "\(errors)")
    }

    /// `segments.doc_count = Int64.max` trapped `ingest`: the merge policy's tier loop
    /// (`MergeScheduler.pick`) multiplied past `Int.max`. The catalog's snapshot now refuses a
    /// count a segment cannot hold (outside 0…2³²−1), and opening a segment refuses a count
    /// that is not its file's (the merge policy tiers by it); verify reports both.
    @Test func segmentDocumentCountOutOfRange() throws {
        let errors = try outcome("catalog", "segment-doc-count-int64-max")
        #expect(errors["ingest"]?.contains("is listed with 9223372036854775807 documents; a segment holds 0 to 4294967295") == true, "\(errors)")
        #expect(errors["open"]?.contains("is listed with 9223372036854775807 documents; a segment holds 0 to 4294967295") == true, "\(errors)")
        #expect(errors["verify"]?.contains("the catalog says this segment holds 9223372036854775807 documents, the file holds") == true, "\(errors)")
        // Op 5 sets doc_count to interesting value a of segment b: -5, -1, Int64.max,
        // Int64.min, Int64.max - 1 are out of range; Int32.max and UInt32.max (the largest a
        // segment may hold) are in range but not the file's count.
        for (value, inRange) in [(0, false), (1, false), (8, true), (9, true), (10, false), (11, false), (12, false)] as [(UInt8, Bool)] {
            for segment: UInt8 in [0, 1] {
                let result = [5, value, segment].withUnsafeBytes { FuzzTargets.catalogOutcome($0) }
                let open = result?["open"] ?? ""
                #expect(inRange ? open.contains("documents, the file holds") : open.contains("; a segment holds 0 to 4294967295"),
                        "value \(value), segment \(segment): \(String(describing: result))")
                #expect(result?["verify"]?.contains("the catalog says this segment holds") == true, "value \(value), segment \(segment): \(String(describing: result))")
            }
        }
    }

    /// `next_doc_id = Int64.max` crashed `ingest`.
    @Test func nextDocumentIDAtTheEnd() throws {
        let errors = try outcome("catalog", "next-doc-id-int64-max")
        #expect(errors["ingest"]?.contains("next_doc_id is \"9223372036854775807\"") == true, "\(errors)")
        #expect(errors["open"] == nil)
    }

    /// A segment name that leads out of `segments/` is never opened, merged or deleted.
    @Test func segmentNameOutsideTheFolder() throws {
        let errors = try outcome("catalog", "segment-file-outside")
        #expect(errors["open"]?.contains("which is not a segment file name") == true, "\(errors)")
    }

    /// A flipped byte in the fast-field section crashed
    /// `search 'year:2015..2021 org:gymnasienämnden' --sort date`. The input sets the high byte
    /// of the last document's last ordinal: in segment format 4 that byte lies 4 × 6 bytes
    /// before the section's end (the date column of the first segment's six documents follows).
    @Test func fastFieldOrdinalPastItsDictionary() throws {
        let errors = try outcome("segment", "fast-field-ordinal-past-dictionary")
        #expect(errors["open"]?.contains("fast field") == true, "\(errors)")
        #expect(errors["open"]?.contains("is corrupt") == true)
    }

    /// A stored-text index whose raw size is 0x7fffffff made every search allocate 2.1 GB. The
    /// input sets STOREINDEX's byte 24 on (pair 1's raw offset in format 7: block 0's raw size,
    /// which only the 4 KiB block limit stops now that frames name no size).
    @Test func storedTextRawSizeOutOfProportion() throws {
        let errors = try outcome("segment", "store-index-raw-size-7fffffff")
        #expect(errors["show"]?.contains("stored text block") == true, "\(errors)")
        let count = try outcome("segment", "store-index-block-count-ffffffff")
        #expect(count["show"]?.contains("stored-text index is damaged") == true, "\(count)")
    }

    /// TERMFILTER (format 8) must hold the blocks its segment's term count needs: the kept input
    /// sets the block count's low byte to 0xFF (CRC recomputed), and the segment is refused at
    /// open, naming the file. Seeded damage to its bits never traps.
    @Test func termFilterDamageIsReportedNeverTrapped() throws {
        let errors = try outcome("segment", "term-filter-block-count-crc-fixed")
        #expect(errors["open"]?.contains("term filter (TERMFILTER) does not match") == true, "\(errors)")
        #expect(errors["open"]?.contains(".seg") == true, "\(errors)")
        // Target 16 is TERMFILTER. Seeded damage never traps. The template's filters are a few
        // blocks, so a changed byte usually clears a bit of a held term: the reader cannot see
        // that (a lookup of the term is turned away), verification can (every dictionary term
        // must pass). A change that only sets bits is invisible to both (the filter still
        // passes every held term), so not every copy can be noticed: 12 of 12 with this seed.
        let outcomes = damagedCopies(seed: 0xF117, runs: 12, sections: [16])
        let byVerify = outcomes.filter { $0["verify"]?.contains("term filter (TERMFILTER)") == true }.count
        #expect(byVerify >= 10, "verify reported \(byVerify) of 12 damaged filters: \(outcomes)")
        #expect(outcomes.contains { $0["verify"]?.contains("turns away term") == true && $0.count == 1 },
                "no damage that only verification notices: \(outcomes)")
    }

    /// The BOUNDS section's nine doubles (b, four weights, four average lengths) were read
    /// unchecked: a damaged one (NaN, negative, infinite) could make block-max pruning drop
    /// documents of the top k instead of failing. The kept input sets `b` to NaN with the
    /// checksum recomputed; then each double of each segment is made NaN and negative in turn.
    /// The segment is refused at open, naming the file.
    @Test func boundsParametersOutOfRangeAreRefusedAtOpen() throws {
        let errors = try outcome("segment", "bounds-b-nan-crc-fixed")
        #expect(errors["open"]?.contains("block-bound parameters (BOUNDS) are out of range") == true, "\(errors)")
        #expect(errors["open"]?.contains(".seg") == true, "\(errors)")
        for segment: UInt8 in [0, 1] {
            for value in 0..<9 {
                // Target 14 is BOUNDS; op 1 sets a byte; a last odd byte recomputes the CRC.
                let high = UInt8(8 * value + 7), next = UInt8(8 * value + 6)
                let nan: [UInt8] = [segment, 14, high, 0, 0xFF, 1, next, 0, 0xFF, 1, 1]
                let negative: [UInt8] = [segment, 14, high, 0, 0xC0, 1, 1]
                for input in [nan, negative] {
                    let result = input.withUnsafeBytes { FuzzTargets.segmentOutcome($0) }
                    #expect(result?["open"]?.contains("block-bound parameters (BOUNDS) are out of range") == true,
                            "segment \(segment), double \(value), \(input): \(String(describing: result))")
                }
            }
        }
    }

    /// Seeded random damage to STORE, STOREINDEX and TEXTPOSITIONS (format 4), with the checksum
    /// recomputed so that the decoders meet it: every command ends or fails naming the index
    /// (`segmentOutcome` traps otherwise), and search still answers or says the segment is
    /// damaged.
    @Test func storedTextDamageIsReportedNeverTrapped() throws {
        // Sections 7 STORE, 8 STOREINDEX, 13 → TEXTPOSITIONS.
        // A changed text position that lands on another word start is valid data to every
        // check, so not every copy can be noticed: 48 of 48 with this seed.
        let outcomes = damagedCopies(seed: 0x5EED, runs: 48, sections: [7, 8, 13])
        let byVerify = outcomes.filter { $0["verify"] != nil }.count
        #expect(byVerify >= 44, "verify reported \(byVerify) of 48 damaged copies")
    }

    /// Seeded random damage to POSTINGS, POSITIONS, SKIPS, TERMS and TERMINDEX (format 5: one
    /// list per term with per-field frequencies, `PostingsBlock`, `TermRecord`), with the
    /// checksum recomputed so that the decoders meet it: every command ends or fails naming the
    /// index (`segmentOutcome` traps otherwise), and much of the damage is noticed. Not all of
    /// it can be: a changed frequency of a field without positions, a document delta that keeps
    /// the order or a position that stays ascending is valid data to every decoder once the
    /// checksum is recomputed, and the template's SKIPS may be empty (44 of these 60 are
    /// noticed by verify with the shared SeededRandom, 48 of 48 in the stored-text test above).
    @Test func postingsDamageIsReportedNeverTrapped() throws {
        // Sections 1 POSTINGS, 2 POSITIONS, 9 SKIPS, 3 TERMS, 4 TERMINDEX.
        let outcomes = damagedCopies(seed: 0xB10C, runs: 60, sections: [1, 2, 9, 3, 4])
        let byVerify = outcomes.filter { $0["verify"] != nil }.count
        #expect(byVerify >= 40, "verify reported only \(byVerify) of 60 damaged copies")
    }

    /// Verification is the whole check: on every seeded damaged copy of every section (0: the
    /// whole file … 16: TERMFILTER; four each), whatever another command reports, verify
    /// reports too.
    @Test func verifyReportsWhateverAnotherCommandNotices() throws {
        var random = SeededRandom(state: 0x1234)
        func next() -> UInt8 { UInt8(truncatingIfNeeded: random.next() >> 33) }
        var noticed = 0
        for run in 0..<68 {
            var input: [UInt8] = [next(), UInt8(run % 17)]
            for _ in 0..<(1 + run % 3) { input += [next(), next(), next(), next() % 3] }
            input.append(1)
            let errors = input.withUnsafeBytes { FuzzTargets.segmentOutcome($0) } ?? [:]
            let others = errors.filter { $0.key != "verify" }
            if !others.isEmpty { noticed += 1 }
            #expect(others.isEmpty || errors["verify"] != nil, "\(input): verify found nothing where \(others)")
        }
        #expect(noticed > 20, "only \(noticed) of 68 damaged copies were noticed by the other commands")
    }

    /// Runs `segmentOutcome` on `runs` seeded damaged copies of the template segment (run `i`
    /// damages `sections[i % sections.count]` with 1–3 changes and recomputes the checksum, so
    /// the decoders meet the damage) and returns what each command said of each copy. A trap
    /// fails the test run.
    func damagedCopies(seed: UInt64, runs: Int, sections: [UInt8]) -> [[String: String]] {
        var random = SeededRandom(state: seed)
        func next() -> UInt8 { UInt8(truncatingIfNeeded: random.next() >> 33) }
        var outcomes: [[String: String]] = []
        for run in 0..<runs {
            // Segment, section, then 1–3 changes, each of four bytes.
            var input: [UInt8] = [next(), sections[run % sections.count]]
            for _ in 0..<(1 + run % 3) { input += [next(), next(), next(), next() % 3] }
            input.append(1)  // count ≡ 3 (mod 4), last bit set: the CRC is recomputed
            let errors = input.withUnsafeBytes { FuzzTargets.segmentOutcome($0) }
            outcomes.append(errors ?? [:])
        }
        return outcomes
    }
}

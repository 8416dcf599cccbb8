import Foundation
import Testing

@testable import DiariumIngest

/// `Ingester.json`, the catalog's `sources` and `properties` column, is written as
/// JSONSerialization writes the same object with sorted keys (it replaced that call on the
/// writer's thread); checked on values with every byte that needs an escape, runs of plain
/// bytes between them, and text beyond ASCII. Keys are lowercase ASCII, as the metadata
/// fields' names are (JSONSerialization orders capitals and keys beyond ASCII differently from
/// `String`'s `<`, which this function has always used).
@Suite struct SourcesJSONTests {
    @Test func writesWhatJSONSerializationWritesWithSortedKeys() throws {
        let values = ["", "text", "a/b\\c\"d", "rad 1\nrad 2\r\n\tslut", "\u{08}\u{0C}\u{01}\u{1F}", "Åre kommun – öppet",
                      "/", "\"\"", "x\u{00}y", "emoji 😀 och é"]
        var random = SystemRandomNumberGenerator()
        for round in 0..<200 {
            var object: [String: String] = [:]
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let key = ["year", "authority", "type", "dnr", "date", "title", "a/b", "k\n"].randomElement(using: &random)!
                object[key] = (0..<Int.random(in: 0...3, using: &random)).map { _ in values.randomElement(using: &random)! }.joined()
            }
            let expected = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            #expect(Ingester.json(object) == expected, "round \(round): \(object)")
        }
        #expect(Ingester.json([:]) == nil)
    }
}

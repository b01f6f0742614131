import Analytics
import Testing

/// Truncated, damaged and random files: opening them throws or lookups give nil, and nothing crashes.
@Suite struct GeoIPCorruptionTests {
    /// Addresses that reach every record of the test databases, and some that reach none.
    static let addresses =
        GeoIPDatabaseTests.ipv4Expectations.map(\.address) + GeoIPDatabaseTests.ipv6Expectations.map(\.address)
        + ["::ffff:203.0.113.9", "2002:cb00:7109::1"]

    /// Whether `country` is nil or two upper-case ASCII letters.
    private static func isPlausible(_ country: String?) -> Bool {
        guard let country else { return true }
        return country.utf8.count == 2 && country.utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }

    /// The offset of the last metadata marker in `bytes`.
    private static func markerStart(_ bytes: [UInt8]) throws -> Int {
        let marker = GeoIPTestFile.marker
        return try #require(
            (0...(bytes.count - marker.count)).last { Array(bytes[$0..<$0 + marker.count]) == marker })
    }

    @Test(arguments: GeoIPFixture.allCases)
    func truncatedFilesThrowOrStillAnswerCorrectly(fixture: GeoIPFixture) throws {
        // Given a test database and what it answers whole
        let bytes = try fixture.bytes()
        let whole = try GeoIPDatabase(bytes: bytes)
        let answers = Self.addresses.map { whole.country(of: $0) }
        let markerStart = try Self.markerStart(bytes)

        // When it is cut at every length from just before its metadata, and at every 37th length before that
        let lengths = Array(stride(from: 0, to: markerStart - 20, by: 37)) + Array(markerStart - 20..<bytes.count)
        for length in lengths {
            let prefix = Array(bytes[..<length])
            // Then without the whole marker it is not a MaxMind DB file; with it, the metadata is cut short
            guard length >= markerStart + GeoIPTestFile.marker.count else {
                let error = #expect(throws: GeoIPError.self) { try GeoIPDatabase(bytes: prefix) }
                #expect(error == .notMaxMindDB(path: nil, reason: "metadata marker not found"), "length \(length)")
                continue
            }
            // (a cut between two metadata fields can leave a readable map, without the fields after it)
            guard let database = try? GeoIPDatabase(bytes: prefix) else { continue }
            for (address, answer) in zip(Self.addresses, answers) {
                #expect(database.country(of: address) == answer, "length \(length), \(address)")
            }
        }
    }

    @Test(arguments: GeoIPFixture.allCases)
    func truncatedDataSectionsGiveTheSameAnswersOrNil(fixture: GeoIPFixture) throws {
        // Given a test database and what it answers whole
        let bytes = try fixture.bytes()
        let whole = try GeoIPDatabase(bytes: bytes)
        let answers = Self.addresses.map { whole.country(of: $0) }
        let markerStart = try Self.markerStart(bytes)
        let metadata = bytes[markerStart...]
        var found = 0

        // When everything after `cut` up to the metadata is removed
        for cut in stride(from: 0, to: markerStart, by: 3) {
            let damaged = Array(bytes[..<cut] + metadata)
            guard let database = try? GeoIPDatabase(bytes: damaged) else {
                // Then either the search tree no longer fits, and opening it says so
                #expect(throws: GeoIPError.self) { try GeoIPDatabase(bytes: damaged) }
                continue
            }
            // or every lookup reads the same bytes as before or gives nil
            for (address, answer) in zip(Self.addresses, answers) {
                let country = database.country(of: address)
                #expect(country == nil || country == answer, "cut at \(cut), \(address)")
                found += country == nil ? 0 : 1
            }
        }
        #expect(found > 0)
    }

    @Test(arguments: GeoIPFixture.allCases)
    func damagedBytesNeverCrashALookup(fixture: GeoIPFixture) throws {
        // Given a test database
        let bytes = try fixture.bytes()
        let markerStart = try Self.markerStart(bytes)
        var random = SplitMix64(seed: UInt64(fixture.rawValue.utf8.count) * 7_919)

        // When 1 to 8 bytes of its search tree and data section are overwritten, 300 times
        for round in 0..<300 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                damaged[Int.random(in: 0..<markerStart, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            let database = try GeoIPDatabase(bytes: damaged)

            // Then every lookup gives nil or a two-letter code
            for address in Self.addresses {
                let country = database.country(of: address)
                #expect(Self.isPlausible(country), "round \(round), \(address): \(country ?? "nil")")
            }
        }
    }

    @Test func randomBytesAreNotAMaxMindDB() {
        // Given random files of many sizes
        var random = SplitMix64(seed: 42)
        for size in [0, 1, 13, 14, 15, 100, 4_096, 200_000] {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }

            // When they are opened
            // Then each is refused
            #expect(throws: GeoIPError.self, "size \(size)") { try GeoIPDatabase(bytes: bytes) }
        }
    }

    @Test(arguments: [24, 28, 32])
    func randomTreesAndDataNeverCrashALookup(recordSize: Int) throws {
        // Given files under valid metadata (IPv4 and IPv6) whose records point at random nodes and data offsets, and
        // whose data sections are random pieces of fields: keys, codes, map heads, pointers and random bytes
        var random = SplitMix64(seed: UInt64(recordSize))
        let pieces: [[UInt8]] = [
            GeoIPTestValue.string("country").encoded, GeoIPTestValue.string("registered_country").encoded,
            GeoIPTestValue.string("iso_code").encoded, GeoIPTestValue.string("SE").encoded, [0xE1], [0xE2], [0xE3],
        ]
        for round in 0..<200 {
            let nodeCount = Int.random(in: 1...40, using: &random)
            var data: [UInt8] = []
            while data.count < 300 {
                switch Int.random(in: 0..<4, using: &random) {
                case 0: data.append(UInt8.random(in: 0...255, using: &random))
                case 1: data += GeoIPTestValue.pointer(to: Int.random(in: 0..<330, using: &random), sizeClass: 0)
                default: data += pieces.randomElement(using: &random)!
                }
            }
            var file = GeoIPTestFile(recordSize: recordSize, ipVersion: round.isMultiple(of: 2) ? 4 : 6)
            let limit = nodeCount + 16 + data.count + 8
            file.nodes = (0..<nodeCount).map { _ in
                (
                    Int.random(in: 0..<(Bool.random(using: &random) ? nodeCount + 1 : limit), using: &random),
                    Int.random(in: 0..<(Bool.random(using: &random) ? nodeCount + 1 : limit), using: &random)
                )
            }
            file.data = data
            let database = try GeoIPDatabase(bytes: file.bytes)

            // When addresses are looked up
            // Then every lookup gives nil or a two-letter code
            for address in Self.addresses {
                let country = database.country(of: address)
                #expect(Self.isPlausible(country), "round \(round), \(address): \(country ?? "nil")")
            }
        }
    }
}

import Analytics
import Testing

/// Parts of the format the small test databases cannot reach, in hand-made files.
@Suite struct GeoIPFormatTests {
    /// Writes `bytes` into `data` at `offset`.
    private func place(_ value: GeoIPTestValue, at offset: Int, in data: inout [UInt8]) {
        let bytes = value.encoded
        data.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }

    @Test(arguments: [24, 28, 32])
    func recordsUseEveryBitOfTheirSize(recordSize: Int) throws {
        // Given a file whose two records point far into a large data section, so that their top bits (for 28-bit
        // records, the two halves of the shared middle byte) differ: 0x2000011 and 0x1000011, or 0xF00011 and
        // 0x800011 for 24-bit records. The data reaches its strings through pointers of every size class.
        let (leftOffset, rightOffset) = recordSize == 24 ? (0xF0_0000, 0x80_0000) : (0x200_0000, 0x100_0000)
        var file = GeoIPTestFile(recordSize: recordSize, nodes: [(0, 0)])
        var data = [UInt8](repeating: 0, count: leftOffset + 64)
        place("country", at: 100, in: &data)
        place("iso_code", at: 3_000, in: &data)
        place("SE", at: 3_100, in: &data)
        place("NZ", at: 3_200, in: &data)
        // Maps beyond 526,336 bytes, reached through 27-bit pointers.
        place(.map([(.pointer(3_000, sizeClass: 1), .pointer(3_100, sizeClass: 1))]), at: 600_000, in: &data)
        place(.map([(.pointer(3_000, sizeClass: 1), .pointer(3_200, sizeClass: 3))]), at: 700_000, in: &data)
        place(.map([(.pointer(100, sizeClass: 0), .pointer(600_000, sizeClass: 2))]), at: leftOffset, in: &data)
        place(.map([(.pointer(100, sizeClass: 3), .pointer(700_000, sizeClass: 2))]), at: rightOffset, in: &data)
        file.data = data
        file.nodes[0] = (file.pointer(toData: leftOffset), file.pointer(toData: rightOffset))
        #expect(file.nodes[0].left == (recordSize == 24 ? 0xF0_0011 : 0x200_0011))

        // When addresses on either side are looked up
        let database = try GeoIPDatabase(bytes: file.bytes)

        // Then each finds its own record
        #expect(database.country(of: "1.2.3.4") == "SE")
        #expect(database.country(of: "200.1.2.3") == "NZ")
    }

    @Test func fieldsLongerThan65820BytesAreSkipped() throws {
        // Given a record whose first value is 70,000 bytes long (a size in three extra bytes), then its country
        let record = GeoIPTestValue.map([
            ("photo", .bytes([UInt8](repeating: 7, count: 70_000))),
            ("note", .string(String(repeating: "n", count: 300))),
            ("country", .map([("iso_code", "SE")])),
        ])
        let file = GeoIPTestFile.twoRecords(left: record, right: GeoIPTestFile.record(country: nil))

        // When an address of that record is looked up
        let database = try GeoIPDatabase(bytes: file.bytes)

        // Then the long fields are skipped and the country found
        #expect(database.country(of: "1.2.3.4") == "SE")
        #expect(database.country(of: "200.1.2.3") == nil)
    }

    @Test func isoCodesAreTwoLettersInUpperCase() throws {
        // Given records with a lower-case code, and with codes that are not two letters (then the registered country
        // is used)
        let lowerCase = GeoIPTestFile.twoRecords(
            left: GeoIPTestFile.record(country: "gb"), right: GeoIPTestFile.record(country: "Se"))
        let threeLetters = GeoIPTestFile.twoRecords(
            left: GeoIPTestFile.record(country: "GBR", registered: "GB"),
            right: GeoIPTestFile.record(country: "1A", registered: ""))

        // When they are looked up
        let lowerCaseDatabase = try GeoIPDatabase(bytes: lowerCase.bytes)
        let threeLettersDatabase = try GeoIPDatabase(bytes: threeLetters.bytes)

        // Then codes come out in upper case, and anything but two letters counts as no code
        #expect(lowerCaseDatabase.country(of: "1.2.3.4") == "GB")
        #expect(lowerCaseDatabase.country(of: "200.1.2.3") == "SE")
        #expect(threeLettersDatabase.country(of: "1.2.3.4") == "GB")
        #expect(threeLettersDatabase.country(of: "200.1.2.3") == nil)
    }

    @Test func ipv4AddressesStartAtTheIPv4SubtreeOfAnIPv6Tree() throws {
        // Given an IPv6 tree whose first 96 zero bits lead through 96 nodes to node 96, where IPv4 addresses below
        // 128.0.0.0 find SE; and whose other halves find NZ (at node 0: every address from 8000::)
        var file = GeoIPTestFile(ipVersion: 6)
        let noData = 97
        let se = GeoIPTestFile.record(country: "SE")
        file.data = se.encoded + GeoIPTestFile.record(country: "NZ").encoded
        let seRecord = noData + 16
        let nzRecord = noData + 16 + se.encoded.count
        file.nodes = (0..<96).map { ($0 + 1, $0 == 0 ? nzRecord : noData) } + [(seRecord, noData)]

        // When IPv4 and IPv6 addresses are looked up
        let database = try GeoIPDatabase(bytes: file.bytes)

        // Then IPv4 ones use the subtree, IPv6 ones the whole tree
        #expect(database.country(of: "1.2.3.4") == "SE")
        #expect(database.country(of: "::ffff:1.2.3.4") == "SE")
        #expect(database.country(of: "::1.2.3.4") == "SE")
        #expect(database.country(of: "200.1.2.3") == nil)
        #expect(database.country(of: "8000::1") == "NZ")
        #expect(database.country(of: "4000::1") == nil)
    }

    @Test func treeDeeperThanTheAddressFindsNothing() throws {
        // Given trees whose node 0 points back at itself, so that no address ever leaves the tree
        var ipv4 = GeoIPTestFile(nodes: [(0, 0)])
        ipv4.data = GeoIPTestFile.record(country: "SE").encoded
        var ipv6 = ipv4
        ipv6.ipVersion = 6

        // When addresses are looked up
        let ipv4Database = try GeoIPDatabase(bytes: ipv4.bytes)
        let ipv6Database = try GeoIPDatabase(bytes: ipv6.bytes)

        // Then the walk stops after the address's last bit and finds nothing
        #expect(ipv4Database.country(of: "1.2.3.4") == nil)
        #expect(ipv6Database.country(of: "1.2.3.4") == nil)
        #expect(ipv6Database.country(of: "2001:db8::1") == nil)
    }

    /// A record's "country" pair with the code SE.
    private static let sweden: (GeoIPTestValue, GeoIPTestValue) = ("country", .map([("iso_code", "SE")]))

    /// Records that are damaged in the ways a reader must survive, with the country each must give.
    static let damagedRecords: [(name: String, record: GeoIPTestValue, country: String?)] = [
        ("the record is a string", "SE", nil),
        ("the record is a pointer to itself", .pointer(0, sizeClass: 0), nil),
        // A pointer to a pointer to the next record (a valid map at offset 4).
        ("the record is a pointer to a pointer", .raw([0x20, 0x02, 0x20, 0x04]), nil),
        ("a key is a number", .map([(.uint32(1), "x"), sweden]), nil),
        ("a key points past the data section", .map([(.pointer(60_000, sizeClass: 1), "x"), sweden]), nil),
        ("the country points past the data section", .map([("country", .pointer(1_000_000, sizeClass: 3))]), nil),
        ("the country points back at the record", .map([("country", .pointer(0, sizeClass: 3))]), nil),
        ("a map promises 16 million pairs", .map([("a", .raw([0xFF, 0xFF, 0xFF, 0xFF])), sweden]), nil),
        ("an array promises 16 million values", .map([("a", .raw([0x1F, 0x04, 0xFF, 0xFF, 0xFF])), sweden]), nil),
        ("an extended type 0 (map) is invalid", .map([("a", .raw([0x00, 0x00])), sweden]), nil),
        ("type 16 does not exist", .map([("a", .raw([0x00, 0x09])), sweden]), nil),
        ("a double of 4 bytes", .map([("a", .raw([0x64, 0, 0, 0, 0])), sweden]), nil),
        ("a uint16 of 3 bytes", .map([("a", .raw([0xA3, 1, 2, 3])), sweden]), nil),
        ("a boolean of size 2", .map([("a", .raw([0x02, 0x07])), sweden]), nil),
        ("a string runs past the data section", .map([("a", .raw([0x5E, 0xFF, 0xFF])), sweden]), nil),
        ("the iso_code is a number", .map([("country", .map([("iso_code", .uint16(5))]))]), nil),
        // Found before the damage, or at the right place despite it.
        ("damage after the country", .map([sweden, ("a", .raw([0x00, 0x09]))]), "SE"),
        (
            "an end marker and a data cache container are skipped",
            .map([("end", .raw([0x00, 0x06])), ("cache", .raw([0x03, 0x05, 0x42, 0x53, 0x45])), sweden]),
            "SE"
        ),
    ]

    @Test(arguments: 0..<damagedRecords.count)
    func damagedRecordsGiveNilWithoutCrashing(index: Int) throws {
        // Given a file with a damaged record for the addresses below 128.0.0.0 and an intact one for the others
        let (name, record, country) = Self.damagedRecords[index]
        let file = GeoIPTestFile.twoRecords(left: record, right: GeoIPTestFile.record(country: "NZ"))

        // When both are looked up
        let database = try GeoIPDatabase(bytes: file.bytes)

        // Then the damaged one gives what it can (mostly nil) and the other its country
        #expect(database.country(of: "1.2.3.4") == country, "\(name)")
        #expect(database.country(of: "200.1.2.3") == "NZ", "\(name)")
    }

    @Test func recordsPointingOutsideTheDataSectionFindNothing() throws {
        // Given records holding 1 + 5 (inside the separator) and a value past the end of the data section
        var file = GeoIPTestFile(nodes: [(0, 0)])
        file.data = GeoIPTestFile.record(country: "SE").encoded
        file.nodes[0] = (1 + 5, file.pointer(toData: file.data.count + 10))

        // When they are looked up
        let database = try GeoIPDatabase(bytes: file.bytes)

        // Then nothing is found
        #expect(database.country(of: "1.2.3.4") == nil)
        #expect(database.country(of: "200.1.2.3") == nil)
    }

    @Test func theLastMarkerStartsTheMetadata() throws {
        // Given a data section that holds the marker bytes itself
        var file = GeoIPTestFile.twoRecords(
            left: GeoIPTestFile.record(country: "SE"), right: .bytes(GeoIPTestFile.marker + [0xE0]))
        file.metadata = file.metadata(setting: "database_type", to: "Marker-Test")

        // When it is opened
        let database = try GeoIPDatabase(bytes: file.bytes)

        // Then the metadata is the one after the last marker
        #expect(database.databaseType == "Marker-Test")
        #expect(database.country(of: "1.2.3.4") == "SE")
    }

    /// Metadata that must be refused, with the error.
    static let badMetadata: [(name: String, change: @Sendable (inout GeoIPTestFile) -> Void, error: GeoIPError)] = [
        (
            "no node_count", { $0.metadata = $0.metadata(setting: "node_count", to: nil) },
            .notMaxMindDB(path: nil, reason: "the metadata has no node_count (an unsigned integer)")
        ),
        (
            "a node_count that is a string", { $0.metadata = $0.metadata(setting: "node_count", to: "1") },
            .notMaxMindDB(path: nil, reason: "the metadata has no node_count (an unsigned integer)")
        ),
        (
            "no database_type", { $0.metadata = $0.metadata(setting: "database_type", to: nil) },
            .notMaxMindDB(path: nil, reason: "the metadata has no database_type (a string)")
        ),
        (
            "no binary_format_major_version",
            { $0.metadata = $0.metadata(setting: "binary_format_major_version", to: nil) },
            .notMaxMindDB(path: nil, reason: "the metadata has no binary_format_major_version (an unsigned integer)")
        ),
        (
            "version 3", { $0.metadata = $0.metadata(setting: "binary_format_major_version", to: .uint16(3)) },
            .unsupported(path: nil, reason: "binary format version 3 (2 expected)")
        ),
        (
            "record size 40", { $0.metadata = $0.metadata(setting: "record_size", to: .uint16(40)) },
            .unsupported(path: nil, reason: "record size 40 (24, 28 or 32 expected)")
        ),
        (
            "IP version 5", { $0.metadata = $0.metadata(setting: "ip_version", to: .uint16(5)) },
            .unsupported(path: nil, reason: "IP version 5 (4 or 6 expected)")
        ),
        (
            "more nodes than 24 bits address",
            { $0.metadata = $0.metadata(setting: "node_count", to: .uint32(1 << 24)) },
            .corrupt(path: nil, reason: "node count 16777216 does not fit in 24-bit records")
        ),
        (
            "a tree larger than the file", { $0.metadata = $0.metadata(setting: "node_count", to: .uint32(100)) },
            .corrupt(
                path: nil,
                reason: "the search tree (100 nodes, 600 bytes) and its 16-byte separator do not fit in the 46 bytes "
                    + "before the metadata")
        ),
        (
            "a tree that leaves no room for the separator",
            { $0.metadata = $0.metadata(setting: "node_count", to: .uint32(6)) },
            .corrupt(
                path: nil,
                reason: "the search tree (6 nodes, 36 bytes) and its 16-byte separator do not fit in the 46 bytes "
                    + "before the metadata")
        ),
        (
            "metadata that is not a map", { $0.metadata = [("a", .raw([]))] },
            .notMaxMindDB(path: nil, reason: "the metadata is not a readable map")
        ),
        (
            "metadata cut short", { $0.metadata = $0.usualMetadata + [("extra", .raw([0x5F]))] },
            .notMaxMindDB(path: nil, reason: "the metadata is not a readable map")
        ),
    ]

    @Test(arguments: 0..<badMetadata.count)
    func badMetadataIsRefusedWithAClearError(index: Int) {
        // Given a file whose metadata is wrong in one way
        let (name, change, expected) = Self.badMetadata[index]
        var file = GeoIPTestFile.twoRecords(left: GeoIPTestFile.record(country: "SE"), right: "x")
        change(&file)

        // When it is opened
        let error = #expect(throws: GeoIPError.self, "\(name)") { try GeoIPDatabase(bytes: file.bytes) }

        // Then the error says what is wrong
        #expect(error == expected, "\(name)")
    }

    @Test func markerFurtherThan128KiBFromTheEndIsNotFound() {
        // Given a valid file followed by 128 KiB of zeros
        let file = GeoIPTestFile.twoRecords(left: GeoIPTestFile.record(country: "SE"), right: "x")
        let bytes = file.bytes + [UInt8](repeating: 0, count: 128 * 1024)

        // When it is opened
        let error = #expect(throws: GeoIPError.self) { try GeoIPDatabase(bytes: bytes) }

        // Then the marker is not found
        #expect(error == .notMaxMindDB(path: nil, reason: "metadata marker not found"))
        #expect(error?.description == "GeoIP data: not a MaxMind DB file: metadata marker not found")
    }
}

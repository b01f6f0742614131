import Analytics
import Foundation
import Testing

@Suite struct GeoIPDatabaseTests {
    /// IPv4 addresses and the country each file must give, from the networks of `make-test-db.py`.
    static let ipv4Expectations: [(address: String, country: String?)] = [
        ("0.0.0.0", "AQ"), ("0.0.0.1", nil),
        ("1.0.0.1", "AU"), ("1.0.0.255", "AU"), ("1.0.1.0", nil),
        // 10.0.0.0/8 has a record without a country; 10.1.0.0/16 inside it has one.
        ("10.0.0.1", nil), ("10.1.2.3", "NO"), ("10.2.0.0", nil),
        // "country" after "registered_country" and "represented_country" still wins.
        ("67.43.156.7", "DE"),
        ("81.2.69.160", "GB"), ("89.160.20.112", "SE"),
        // A country map without iso_code: the registered country.
        ("100.64.0.1", "DE"), ("100.127.255.255", "DE"), ("100.128.0.0", nil),
        // Located in China, registered in Japan.
        ("175.16.199.1", "CN"),
        // No country, only a registered one.
        ("192.0.2.1", "NL"),
        ("198.51.100.1", "US"), ("198.51.100.127", "US"), ("198.51.100.128", nil),
        ("203.0.113.9", "JP"),
        // The record with an "extras" map of every data type before the country.
        ("216.160.83.56", "US"), ("216.160.83.63", "US"), ("216.160.83.55", nil), ("216.160.83.64", nil),
        ("255.255.255.255", "BR"), ("255.255.255.254", nil), ("8.8.8.8", nil),
    ]

    /// IPv6 addresses and the country each IPv6 file must give.
    static let ipv6Expectations: [(address: String, country: String?)] = [
        ("2001:db8:1::1", "FR"), ("2001:db8:1:ffff:ffff:ffff:ffff:ffff", "FR"), ("2001:DB8:1::AB", "FR"),
        ("2001:db8:2::5", "CA"), ("2001:db8:3::", "DE"), ("2001:db8:4::1", nil),
        ("2a02:cf40::1", "NO"), ("2a02:cf47:ffff::1", "NO"), ("2a02:cf48::1", nil),
        ("2c0f:f248:1::", "ZA"),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "NZ"), ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", nil),
        ("fe80::1", nil),
        // IPv4-compatible addresses are the IPv4 addresses of the ::/96 subtree.
        ("::", "AQ"), ("::1", nil), ("::cb00:7109", "JP"),
    ]

    @Test(arguments: GeoIPFixture.allCases)
    func ipv4AddressesFindTheirCountry(fixture: GeoIPFixture) throws {
        // Given a test database
        let database = try GeoIPDatabase(contentsOf: fixture.path())

        // When each IPv4 address is looked up
        let mismatches = Self.ipv4Expectations.compactMap { address, expected -> String? in
            let found = database.country(of: address)
            return found == expected ? nil : "\(address): expected \(expected ?? "nil"), got \(found ?? "nil")"
        }

        // Then each gives the country of its network, or nil outside every network
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    @Test(arguments: GeoIPFixture.ipv6)
    func ipv6AddressesFindTheirCountry(fixture: GeoIPFixture) throws {
        // Given a test database with an IPv6 tree
        let database = try GeoIPDatabase(contentsOf: fixture.path())

        // When each IPv6 address is looked up
        let mismatches = Self.ipv6Expectations.compactMap { address, expected -> String? in
            let found = database.country(of: address)
            return found == expected ? nil : "\(address): expected \(expected ?? "nil"), got \(found ?? "nil")"
        }

        // Then each gives the country of its network, or nil outside every network
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    @Test(arguments: GeoIPFixture.allCases)
    func ipv4MappedAddressesAreLookedUpAsIPv4(fixture: GeoIPFixture) throws {
        // Given any test database, whether or not its tree links ::ffff:0:0/96 to the IPv4 networks
        let database = try GeoIPDatabase(contentsOf: fixture.path())

        // When IPv4-mapped addresses are looked up, in dotted and in hex form
        // Then they give the country of the IPv4 address
        #expect(database.country(of: "::ffff:203.0.113.9") == "JP")
        #expect(database.country(of: "::FFFF:203.0.113.9") == "JP")
        #expect(database.country(of: "::ffff:cb00:7109") == "JP")
        #expect(database.country(of: "0:0:0:0:0:ffff:1.0.0.1") == "AU")
        #expect(database.country(of: "::ffff:198.51.100.128") == nil)
        #expect(database.country(of: "::ffff:255.255.255.255") == "BR")
    }

    @Test func sixToFourAddressesFollowTheLinkOfTheTree() throws {
        // Given the database whose 2002::/16 leads to the IPv4 networks, and one without that link
        let linked = try GeoIPDatabase(contentsOf: GeoIPFixture.ipv6Records24.path())
        let unlinked = try GeoIPDatabase(contentsOf: GeoIPFixture.ipv6Records28.path())

        // When a 6to4 address carrying 203.0.113.9 is looked up
        // Then the link is followed where the tree has it
        #expect(linked.country(of: "2002:cb00:7109::1") == "JP")
        #expect(unlinked.country(of: "2002:cb00:7109::1") == nil)
    }

    @Test func ipv6AddressesAreNotFoundInAnIPv4Database() throws {
        // Given the IPv4-only database
        let database = try GeoIPDatabase(contentsOf: GeoIPFixture.ipv4Records28.path())

        // When IPv6 addresses are looked up (their first 32 bits would match IPv4 networks)
        // Then none is found
        #expect(database.country(of: "2001:db8:1::1") == nil)
        #expect(database.country(of: "cb00:7109::") == nil)
        #expect(database.country(of: "::") == nil)
    }

    @Test(arguments: [
        "", " ", "abc", "JP", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4", "0203.0.113.9",
        "203.0.113.09", "1..2.3",
        ".1.2.3", "1.2.3.", " 203.0.113.9", "203.0.113.9 ", "203.0.113.9:443", "203.0.113.9/24", "[2001:db8:1::1]",
        "2001:db8:1::1%eth0", "2001:db8:1:::1", "2001::db8::1", "12345::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8::", "g::1", ":1::", "1:", ":", ":::", "::ffff:203.0.113", "::ffff:203.0.113.9.1",
        "::203.0.113.9:1", "1:2:3:4:5:6:7:203.0.113.9", "203.0.113.9::", "2001:db8:1::1\n", "２０３.0.113.9",
        "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255:1",
    ])
    func textThatIsNotAnAddressFindsNothing(text: String) throws {
        // Given a database that has 203.0.113.0/24 and 2001:db8:1::/48
        let database = try GeoIPDatabase(contentsOf: GeoIPFixture.ipv6Records24.path())

        // When text that is not exactly an address is looked up
        // Then nothing is found
        #expect(database.country(of: text) == nil)
    }

    @Test(arguments: GeoIPFixture.allCases)
    func metadataGivesTheDatabaseType(fixture: GeoIPFixture) throws {
        // Given a test database
        // When it is opened from its bytes and from its path
        let fromBytes = try GeoIPDatabase(bytes: fixture.bytes())
        let fromFile = try GeoIPDatabase(contentsOf: fixture.path())

        // Then both give the type its metadata names, and the same countries
        #expect(fromBytes.databaseType == "Steward-Test-Country")
        #expect(fromFile.databaseType == "Steward-Test-Country")
        #expect(fromBytes.country(of: "203.0.113.9") == "JP")
    }

    @Test func missingFileIsReportedWithItsPath() {
        // Given a path where there is no file
        let path = NSTemporaryDirectory() + "steward-no-such-file-\(UInt64.random(in: 0 ... .max)).mmdb"

        // When it is opened
        // Then the error names the file and the reason
        let error = #expect(throws: GeoIPError.self) { try GeoIPDatabase(contentsOf: path) }
        #expect(error == .unreadable(path: path, reason: "No such file or directory"))
        #expect(error?.description == "GeoIP file \(path): cannot be read: No such file or directory")
    }

    @Test func folderIsReportedAsNotAFile() throws {
        // Given the path of a folder
        let path = try URL(fileURLWithPath: GeoIPFixture.ipv4Records28.path()).deletingLastPathComponent().path

        // When it is opened
        // Then the error says it is not a file
        let error = #expect(throws: GeoIPError.self) { try GeoIPDatabase(contentsOf: path) }
        #expect(error == .unreadable(path: path, reason: "not a regular file"))
    }

    @Test func fileThatIsNotAMaxMindDBIsReportedWithItsPath() throws {
        // Given a file that is not a MaxMind DB file (the script that makes the test databases)
        let path = try URL(fileURLWithPath: GeoIPFixture.ipv4Records28.path()).deletingLastPathComponent()
            .appendingPathComponent("make-test-db.py").path

        // When it is opened
        // Then the error names the file and says the marker is missing
        let error = #expect(throws: GeoIPError.self) { try GeoIPDatabase(contentsOf: path) }
        #expect(error?.description == "GeoIP file \(path): not a MaxMind DB file: metadata marker not found")
    }

    @Test func lookupsRunConcurrently() async throws {
        // Given one database shared by several tasks
        let database = try GeoIPDatabase(contentsOf: GeoIPFixture.ipv6Records28.path())

        // When they look up addresses at the same time
        let results = await withTaskGroup(of: [String?].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<500).map { _ in database.country(of: "2c0f:f248::1") } }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }

        // Then every lookup gives the same answer
        #expect(results.count == 2000)
        #expect(results.allSatisfy { $0 == "ZA" })
    }
}

import Testing

@testable import Vault

@Suite struct IdentifierTests {
    @Test func idsAreVersion7UUIDTextThatSortsByTime() {
        // Given ids made one millisecond apart
        let first = Identifier.make(milliseconds: 1_764_000_000_000)
        let second = Identifier.make(milliseconds: 1_764_000_000_001)

        // Then each is UUID text of version 7 with the RFC 9562 variant, and they sort by time
        for id in [first, second] {
            let parts = id.split(separator: "-")
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
            #expect(parts[2].first == "7")
            #expect("89ab".contains(parts[3].first!))
            #expect(id == id.lowercased())
        }
        #expect(first < second)
        #expect(first.prefix(13) == "019ab697-e800")
    }

    @Test func idsMadeTogetherDiffer() {
        let ids = (0..<1000).map { _ in Identifier.make(milliseconds: 42) }
        #expect(Set(ids).count == 1000)
    }
}

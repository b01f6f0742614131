import Testing

@testable import Vault

@Suite struct SecureRandomTests {
    @Test func requestsOfEverySizeGetFreshBytesAcrossRefills() {
        // 10,000 requests of 1 to 40 bytes span many 4 KiB refills; no 16-byte value repeats, and every byte value
        // shows up (a stuck or zeroed pool would fail both).
        var seen: Set<[UInt8]> = []
        var histogram = [Int](repeating: 0, count: 256)
        for size in 0..<10_000 {
            let bytes = SecureRandom.bytes(size % 40 + 1)
            for byte in bytes { histogram[Int(byte)] += 1 }
            if bytes.count == 16 { #expect(seen.insert(bytes).inserted) }
        }
        #expect(histogram.allSatisfy { $0 > 0 })
        #expect(seen.count == 250)
    }

    @Test func aRequestLargerThanThePoolIsFilledCompletely() {
        let bytes = SecureRandom.bytes(10_000)
        // Zeros are about 1/256 of random bytes; a block left unfilled would be all zeros.
        #expect(bytes.count == 10_000)
        #expect(bytes.filter { $0 == 0 }.count < 200)
        for start in stride(from: 0, to: 10_000 - 64, by: 64) {
            #expect(bytes[start..<start + 64].contains { $0 != 0 })
        }
    }

    @Test func identifiersAndKeysStayDistinct() {
        let ids = (0..<5_000).map { _ in Identifier.make(milliseconds: 1_700_000_000_000) }
        #expect(Set(ids).count == ids.count)
        let tokens = (0..<1_000).map { _ in Token.generate() }
        #expect(Set(tokens).count == tokens.count)
    }
}

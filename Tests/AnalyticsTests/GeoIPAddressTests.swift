import Testing

@testable import Analytics

@Suite struct GeoIPAddressTests {
    @Test(
        arguments: [
            ("0.0.0.0", 0x0000_0000), ("203.0.113.9", 0xCB00_7109), ("255.255.255.255", 0xFFFF_FFFF),
            ("10.0.0.1", 0x0A00_0001),
            // IPv4-mapped IPv6 addresses, dotted or in hex, in any case.
            ("::ffff:203.0.113.9", 0xCB00_7109), ("::FFFF:CB00:7109", 0xCB00_7109), ("0:0:0:0:0:ffff:0:0", 0),
            ("0000:0000:0000:0000:0000:FFFF:0A00:0001", 0x0A00_0001),
        ] as [(String, UInt32)])
    func ipv4AddressesAreRead(text: String, value: UInt32) {
        #expect(GeoIPAddress(text) == .v4(value))
    }

    @Test(
        arguments: [
            ("::", 0), ("::1", 1), ("1::", 0x0001 << 112),
            ("2001:db8::1", 0x2001_0DB8_0000_0000_0000_0000_0000_0001),
            ("2001:DB8:0:0:8:800:200C:417A", 0x2001_0DB8_0000_0000_0008_0800_200C_417A),
            ("1:2:3:4:5:6:7:8", 0x0001_0002_0003_0004_0005_0006_0007_0008),
            ("1:2:3:4:5:6:7::", 0x0001_0002_0003_0004_0005_0006_0007_0000),
            ("::2:3:4:5:6:7:8", 0x0000_0002_0003_0004_0005_0006_0007_0008),
            ("1::8", 0x0001_0000_0000_0000_0000_0000_0000_0008),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", UInt128.max),
            // IPv4 in the last 32 bits, IPv4-compatible and NAT64 (not mapped, so they stay IPv6).
            ("::203.0.113.9", 0xCB00_7109), ("64:ff9b::203.0.113.9", 0x0064_FF9B_0000_0000_0000_0000_CB00_7109),
            ("1:2:3:4:5:6:203.0.113.9", 0x0001_0002_0003_0004_0005_0006_CB00_7109),
            ("::fffe:203.0.113.9", 0xFFFE_CB00_7109), ("::1:ffff:203.0.113.9", 0x0001_FFFF_CB00_7109),
        ] as [(String, UInt128)])
    func ipv6AddressesAreRead(text: String, value: UInt128) {
        #expect(GeoIPAddress(text) == .v6(value))
    }

    @Test func substringsAreReadLikeStrings() {
        let line = "for=203.0.113.9"
        #expect(GeoIPAddress(line.dropFirst(4)) == .v4(0xCB00_7109))
    }
}

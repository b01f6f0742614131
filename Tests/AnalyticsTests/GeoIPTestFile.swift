import Foundation

/// The MaxMind DB files in `Fixtures/geoip`, made by its `make-test-db.py`.
enum GeoIPFixture: String, CaseIterable, CustomStringConvertible {
    /// IPv6 tree, 24-bit records, `::ffff:0:0/96` and `2002::/16` linked to the IPv4 networks.
    case ipv6Records24 = "test-ipv6-24.mmdb"
    /// IPv6 tree, 28-bit records, no links.
    case ipv6Records28 = "test-ipv6-28.mmdb"
    /// IPv6 tree, 32-bit records, no links.
    case ipv6Records32 = "test-ipv6-32.mmdb"
    /// IPv4 tree (ip_version 4), 28-bit records.
    case ipv4Records28 = "test-ipv4-28.mmdb"

    /// Why a fixture could not be found.
    struct Missing: Error {}

    /// The files with an IPv6 tree.
    static let ipv6: [GeoIPFixture] = [.ipv6Records24, .ipv6Records28, .ipv6Records32]

    /// The file name.
    var description: String { rawValue }

    /// The file's path in the test bundle.
    func path() throws -> String {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Missing() }
        return folder.appendingPathComponent("geoip").appendingPathComponent(rawValue).path
    }

    /// The file's bytes.
    func bytes() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path())))
    }
}

/// A value to write into a hand-made MaxMind DB file, including ones no valid file holds.
indirect enum GeoIPTestValue: ExpressibleByStringLiteral {
    case string(String)
    case bytes([UInt8])
    case uint16(UInt16)
    case uint32(UInt32)
    case uint64(UInt64)
    case double(Double)
    case boolean(Bool)
    case map([(GeoIPTestValue, GeoIPTestValue)])
    case array([GeoIPTestValue])
    /// A pointer to `offset` in the section, in the form of size class `sizeClass` (0 to 3).
    case pointer(Int, sizeClass: Int)
    /// Bytes written as they are.
    case raw([UInt8])

    /// A string value.
    init(stringLiteral value: String) {
        self = .string(value)
    }

    /// The encoded field.
    var encoded: [UInt8] {
        switch self {
        case .string(let text): Self.control(type: 2, size: text.utf8.count) + Array(text.utf8)
        case .bytes(let bytes): Self.control(type: 4, size: bytes.count) + bytes
        case .uint16(let value): Self.unsigned(type: 5, UInt64(value))
        case .uint32(let value): Self.unsigned(type: 6, UInt64(value))
        case .uint64(let value): Self.unsigned(type: 9, value)
        case .double(let value): Self.control(type: 3, size: 8) + Self.bigEndian(value.bitPattern, count: 8)
        case .boolean(let value): Self.control(type: 14, size: value ? 1 : 0)
        case .map(let pairs): Self.control(type: 7, size: pairs.count) + pairs.flatMap { $0.0.encoded + $0.1.encoded }
        case .array(let values): Self.control(type: 11, size: values.count) + values.flatMap(\.encoded)
        case .pointer(let offset, let sizeClass): Self.pointer(to: offset, sizeClass: sizeClass)
        case .raw(let bytes): bytes
        }
    }

    /// The control byte(s) for a field of type `type` (extended above 7) with payload size `size`.
    static func control(type: Int, size: Int) -> [UInt8] {
        let sizeBytes: [UInt8]
        let sizeBits: Int
        switch size {
        case ..<29: (sizeBits, sizeBytes) = (size, [])
        case ..<285: (sizeBits, sizeBytes) = (29, [UInt8(size - 29)])
        case ..<65_821: (sizeBits, sizeBytes) = (30, bigEndian(UInt64(size - 285), count: 2))
        default: (sizeBits, sizeBytes) = (31, bigEndian(UInt64(size - 65_821), count: 3))
        }
        if type <= 7 { return [UInt8(type << 5 | sizeBits)] + sizeBytes }
        return [UInt8(sizeBits), UInt8(type - 7)] + sizeBytes
    }

    /// A pointer to `offset` written in size class `sizeClass`; `offset` must be in that class's range.
    static func pointer(to offset: Int, sizeClass: Int) -> [UInt8] {
        switch sizeClass {
        case 0: [UInt8(0x20 | offset >> 8), UInt8(offset & 0xFF)]
        case 1: [UInt8(0x28 | (offset - 2048) >> 16)] + bigEndian(UInt64((offset - 2048) & 0xFFFF), count: 2)
        case 2: [UInt8(0x30 | (offset - 526_336) >> 24)] + bigEndian(UInt64((offset - 526_336) & 0xFF_FFFF), count: 3)
        default: [0x38] + bigEndian(UInt64(offset), count: 4)
        }
    }

    /// An unsigned integer in as few bytes as it needs.
    private static func unsigned(type: Int, _ value: UInt64) -> [UInt8] {
        let count = (64 - value.leadingZeroBitCount + 7) / 8
        return control(type: type, size: count) + bigEndian(value, count: count)
    }

    /// The last `count` bytes of `value`, most significant first.
    static func bigEndian(_ value: UInt64, count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

/// A hand-made MaxMind DB file: search tree, separator, data section, marker and metadata.
struct GeoIPTestFile {
    /// The bits in each record: 24, 28 or 32 (others are written as 32).
    var recordSize = 24
    /// 4 or 6.
    var ipVersion = 4
    /// The nodes' record values, as written.
    var nodes: [(left: Int, right: Int)] = []
    /// The data section.
    var data: [UInt8] = []
    /// The metadata map's pairs; nil for the usual ones.
    var metadata: [(GeoIPTestValue, GeoIPTestValue)]?

    /// The record value that points at `offset` in the data section.
    func pointer(toData offset: Int) -> Int {
        nodes.count + 16 + offset
    }

    /// A file of an IPv4 tree with one node: addresses below 128.0.0.0 find `left`, the others `right`.
    static func twoRecords(left: GeoIPTestValue, right: GeoIPTestValue, recordSize: Int = 24) -> GeoIPTestFile {
        var file = GeoIPTestFile(recordSize: recordSize, nodes: [(0, 0)])
        file.data = left.encoded + right.encoded
        file.nodes[0] = (file.pointer(toData: 0), file.pointer(toData: left.encoded.count))
        return file
    }

    /// A data record whose `country.iso_code` is `country` and `registered_country.iso_code` is `registered`, each
    /// left out when nil.
    static func record(country: String?, registered: String? = nil) -> GeoIPTestValue {
        var pairs: [(GeoIPTestValue, GeoIPTestValue)] = []
        if let country { pairs.append(("country", .map([("iso_code", .string(country))]))) }
        if let registered { pairs.append(("registered_country", .map([("iso_code", .string(registered))]))) }
        return .map(pairs)
    }

    /// The metadata a valid file of this shape has.
    var usualMetadata: [(GeoIPTestValue, GeoIPTestValue)] {
        [
            ("binary_format_major_version", .uint16(2)),
            ("binary_format_minor_version", .uint16(0)),
            ("build_epoch", .uint64(1_767_225_600)),
            ("database_type", "Test-Country"),
            ("description", .map([("en", "hand-made test file")])),
            ("ip_version", .uint16(UInt16(ipVersion))),
            ("languages", .array(["en"])),
            ("node_count", .uint32(UInt32(nodes.count))),
            ("record_size", .uint16(UInt16(recordSize))),
        ]
    }

    /// The usual metadata with `key`'s value replaced by `value`, or removed when `value` is nil.
    func metadata(setting key: String, to value: GeoIPTestValue?) -> [(GeoIPTestValue, GeoIPTestValue)] {
        usualMetadata.compactMap { pair in
            guard case .string(let name) = pair.0, name == key else { return pair }
            return value.map { (pair.0, $0) }
        }
    }

    /// The whole file.
    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        for node in nodes {
            switch recordSize {
            case 24:
                bytes += GeoIPTestValue.bigEndian(UInt64(node.left), count: 3)
                bytes += GeoIPTestValue.bigEndian(UInt64(node.right), count: 3)
            case 28:
                bytes += GeoIPTestValue.bigEndian(UInt64(node.left & 0xFF_FFFF), count: 3)
                bytes.append(UInt8((node.left >> 24) << 4 | node.right >> 24))
                bytes += GeoIPTestValue.bigEndian(UInt64(node.right & 0xFF_FFFF), count: 3)
            default:
                bytes += GeoIPTestValue.bigEndian(UInt64(node.left), count: 4)
                bytes += GeoIPTestValue.bigEndian(UInt64(node.right), count: 4)
            }
        }
        bytes += [UInt8](repeating: 0, count: 16)
        bytes += data
        bytes += Self.marker
        bytes += GeoIPTestValue.map(metadata ?? usualMetadata).encoded
        return bytes
    }

    /// The bytes that start the metadata.
    static let marker: [UInt8] = [0xAB, 0xCD, 0xEF] + Array("MaxMind.com".utf8)
}

/// A small deterministic random number generator (SplitMix64), so that a failing corruption test can be rerun.
struct SplitMix64: RandomNumberGenerator {
    /// The state.
    private var state: UInt64

    /// A generator started from `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

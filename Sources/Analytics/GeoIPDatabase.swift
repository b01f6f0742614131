#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A country lookup table read from a MaxMind DB file.
///
/// Reads the MaxMind DB format version 2 (https://maxmind.github.io/MaxMind-DB/) as GeoLite2-Country, GeoIP2-Country
/// or DB-IP's "dbip-country-lite" files use it: record sizes 24, 28 and 32, IPv4 and IPv6 trees. A lookup walks the
/// search tree and then reads only the fields on the way to the country code, without building values or
/// allocating. Every offset read from the file is checked: a corrupt file fails at `init` or gives nil for the
/// addresses whose records it damaged.
public struct GeoIPDatabase: Sendable {
    /// The database type from the metadata, e.g. "GeoLite2-Country".
    public let databaseType: String

    /// The whole file.
    private let bytes: [UInt8]
    /// The search tree.
    private let tree: GeoIPTree
    /// 4 or 6.
    private let ipVersion: Int
    /// The offset of the data section.
    private let dataStart: Int
    /// The offset just past the data section.
    private let dataEnd: Int
    /// The node (or record value) IPv4 lookups start at: the root of an IPv4 tree, the node at `::/96` of an IPv6
    /// one.
    private let ipv4Start: Int

    /// Reads the whole file into memory and checks its metadata.
    /// - Throws: `GeoIPError` naming the file and what is wrong, e.g. "GeoIP file /var/lib/steward/country.mmdb: not
    ///   a MaxMind DB file: metadata marker not found".
    public init(contentsOf path: String) throws {
        try self.init(bytes: Self.contents(ofFile: path), path: path)
    }

    /// Takes the bytes of a MaxMind DB file and checks its metadata.
    /// - Throws: `GeoIPError` when the bytes are not a MaxMind DB file this reader handles.
    public init(bytes: [UInt8]) throws {
        try self.init(bytes: bytes, path: nil)
    }

    /// Checks the metadata of `bytes` and finds the start of the IPv4 addresses; errors name `path`.
    private init(bytes: [UInt8], path: String?) throws(GeoIPError) {
        let metadata = try bytes.withUnsafeBufferPointer { buffer throws(GeoIPError) in
            try GeoIPMetadata(buffer, path: path)
        }
        self.bytes = bytes
        self.databaseType = metadata.databaseType
        let tree = GeoIPTree(nodeCount: metadata.nodeCount, recordSize: metadata.recordSize)
        self.tree = tree
        self.ipVersion = metadata.ipVersion
        self.dataStart = metadata.dataStart
        self.dataEnd = metadata.dataEnd
        // Follow 96 zero bits once, rather than on every IPv4 lookup.
        self.ipv4Start =
            metadata.ipVersion == 6 ? bytes.withUnsafeBufferPointer { tree.walk($0, from: 0, address: 0, bits: 96) } : 0
    }

    /// ISO 3166-1 alpha-2 country code (upper-case) for an IPv4 or IPv6 address in text form
    /// ("203.0.113.9", "2001:db8::1", "::ffff:203.0.113.9"), or nil when the address is not in the file, or not an
    /// address. Uses `country.iso_code`, falling back to `registered_country.iso_code`.
    public func country(of address: String) -> String? {
        guard let parsed = GeoIPAddress(address) else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            let record: Int
            switch parsed {
            case .v4(let value):
                record = tree.walk(buffer, from: ipv4Start, address: UInt128(value), bits: 32)
            case .v6(let value):
                guard ipVersion == 6 else { return nil }
                record = tree.walk(buffer, from: 0, address: value, bits: 128)
            }
            // Equal to the node count: no data. Below it: the tree goes on past the address's last bit.
            guard record > tree.nodeCount else { return nil }
            let offset = record - tree.nodeCount - 16
            guard offset >= 0 else { return nil }
            let decoder = GeoIPDecoder(bytes: buffer, start: dataStart, end: dataEnd)
            return decoder.countryCode(ofRecordAt: dataStart + offset)
        }
    }

    /// The contents of the file at `path`.
    /// - Throws: `GeoIPError.unreadable` with the system's reason, e.g. "No such file or directory".
    private static func contents(ofFile path: String) throws(GeoIPError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: systemError()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(path: path, reason: systemError()) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
        let size = Int(status.st_size)
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let count = read(descriptor, buffer.baseAddress! + initialized, size - initialized)
                if count > 0 {
                    initialized += count
                } else if count == 0 {
                    failure = "the file shrank from \(size) to \(initialized) bytes while it was read"
                    return
                } else if errno != EINTR {
                    failure = systemError()
                    return
                }
            }
        }
        if let failure { throw .unreadable(path: path, reason: failure) }
        return bytes
    }

    /// The system's message for `errno`.
    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}

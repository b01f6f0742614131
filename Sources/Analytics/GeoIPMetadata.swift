/// What a MaxMind DB file's metadata says about its search tree, read and checked against the file's size.
struct GeoIPMetadata {
    /// The bytes that start the metadata: "\xAB\xCD\xEFMaxMind.com".
    private static let marker: [UInt8] = [0xAB, 0xCD, 0xEF] + Array("MaxMind.com".utf8)
    /// The metadata, marker included, lies within this many bytes of the end of the file.
    private static let maximumSize = 128 * 1024

    /// The number of nodes in the search tree.
    let nodeCount: Int
    /// The bits in each of a node's two records: 24, 28 or 32.
    let recordSize: Int
    /// 4 for a tree of IPv4 addresses, 6 for one of IPv6 addresses (IPv4 ones at `::/96`).
    let ipVersion: Int
    /// The structure of the data records, e.g. "GeoLite2-Country".
    let databaseType: String
    /// The offset of the data section (just past the search tree and the 16-byte separator).
    let dataStart: Int
    /// The offset of the metadata marker, which ends the data section.
    let dataEnd: Int

    /// Finds and reads the metadata of the file in `bytes`.
    /// - Throws: `GeoIPError` naming `path`, when the marker or a needed field is missing, a value is not one this
    ///   reader handles, or the search tree does not fit before the metadata.
    init(_ bytes: UnsafeBufferPointer<UInt8>, path: String?) throws(GeoIPError) {
        guard let markerStart = Self.markerStart(in: bytes) else {
            throw .notMaxMindDB(path: path, reason: "metadata marker not found")
        }
        let metadataStart = markerStart + Self.marker.count
        let decoder = GeoIPDecoder(bytes: bytes, start: metadataStart, end: bytes.count)
        var nodeCount: UInt64?
        var recordSize: UInt64?
        var ipVersion: UInt64?
        var majorVersion: UInt64?
        var databaseType: String?
        let intact = decoder.forEachPair(inMapAt: metadataStart) { key, value in
            if decoder.matches(key, "node_count") {
                nodeCount = decoder.unsigned(at: value)
            } else if decoder.matches(key, "record_size") {
                recordSize = decoder.unsigned(at: value)
            } else if decoder.matches(key, "ip_version") {
                ipVersion = decoder.unsigned(at: value)
            } else if decoder.matches(key, "binary_format_major_version") {
                majorVersion = decoder.unsigned(at: value)
            } else if decoder.matches(key, "database_type") {
                databaseType = decoder.string(at: value).map {
                    String(
                        decoding: UnsafeBufferPointer(rebasing: bytes[$0.start..<$0.start + $0.count]), as: UTF8.self)
                }
            }
            return true
        }
        guard intact else { throw .notMaxMindDB(path: path, reason: "the metadata is not a readable map") }

        /// The error for a field that is missing or of the wrong type.
        func missing(_ name: String, _ type: String) -> GeoIPError {
            .notMaxMindDB(path: path, reason: "the metadata has no \(name) (\(type))")
        }
        guard let majorVersion else { throw missing("binary_format_major_version", "an unsigned integer") }
        guard majorVersion == 2 else {
            throw .unsupported(path: path, reason: "binary format version \(majorVersion) (2 expected)")
        }
        guard let nodeCount else { throw missing("node_count", "an unsigned integer") }
        guard let recordSize else { throw missing("record_size", "an unsigned integer") }
        guard let ipVersion else { throw missing("ip_version", "an unsigned integer") }
        guard let databaseType else { throw missing("database_type", "a string") }
        guard recordSize == 24 || recordSize == 28 || recordSize == 32 else {
            throw .unsupported(path: path, reason: "record size \(recordSize) (24, 28 or 32 expected)")
        }
        guard ipVersion == 4 || ipVersion == 6 else {
            throw .unsupported(path: path, reason: "IP version \(ipVersion) (4 or 6 expected)")
        }
        // Records hold node numbers and data offsets, so a tree of 2^record_size nodes or more cannot be addressed;
        // this also keeps the sizes below from overflowing.
        guard nodeCount < UInt64(1) << recordSize else {
            throw .corrupt(path: path, reason: "node count \(nodeCount) does not fit in \(recordSize)-bit records")
        }
        let treeSize = Int(nodeCount) * Int(recordSize) / 4
        guard treeSize + 16 <= markerStart else {
            throw .corrupt(
                path: path,
                reason: "the search tree (\(nodeCount) nodes, \(treeSize) bytes) and its 16-byte separator do not fit "
                    + "in the \(markerStart) bytes before the metadata")
        }
        self.nodeCount = Int(nodeCount)
        self.recordSize = Int(recordSize)
        self.ipVersion = Int(ipVersion)
        self.databaseType = databaseType
        self.dataStart = treeSize + 16
        self.dataEnd = markerStart
    }

    /// The offset of the last metadata marker in the file's final 128 KiB, or nil.
    private static func markerStart(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let length = marker.count
        guard bytes.count >= length else { return nil }
        let lowest = max(0, bytes.count - maximumSize)
        var index = bytes.count - length
        while index >= lowest {
            if bytes[index] == marker[0] {
                var matched = 1
                while matched < length && bytes[index + matched] == marker[matched] { matched += 1 }
                if matched == length { return index }
            }
            index -= 1
        }
        return nil
    }
}

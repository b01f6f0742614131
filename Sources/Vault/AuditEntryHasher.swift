import Crypto

/// Computes ``AuditChain/hash(record:previousHash:)`` from fields held as UTF-8 bytes, without making strings.
///
/// For checking long chains read straight from the database: one hasher reuses its buffers for every entry, so
/// nothing is allocated per entry but SHA-256's own context. The encoding is the one `AuditChain.hash` documents;
/// the tests hold the two to the same results.
///
/// - Important: Use a hasher from one thread at a time. The buffer that
///   ``hash(previousHash:sequence:occurredAt:actor:subject:action:requestID:details:)`` returns is overwritten by
///   the next call.
public final class AuditEntryHasher {
    /// The version label that starts every hash input, length-prefixed like every other string.
    private static let label = Array("steward.audit-chain.v1".utf8)
    private static let digits = Array("0123456789abcdef".utf8)

    /// The hash input of the latest entry; grown when an entry does not fit.
    private var input: UnsafeMutableRawBufferPointer
    /// The latest hash as 64 lowercase hexadecimal ASCII bytes.
    private let hex: UnsafeMutableRawBufferPointer

    /// Creates a hasher with room for entries of a few kilobytes (it grows for larger ones).
    public init() {
        input = .allocate(byteCount: 4096, alignment: 8)
        hex = .allocate(byteCount: 64, alignment: 8)
    }

    deinit {
        input.deallocate()
        hex.deallocate()
    }

    /// The entry's hash as 64 lowercase hexadecimal ASCII bytes, the form stored in `audit_log.hash`.
    ///
    /// - Parameters:
    ///   - previousHash: The stored previous hash, as stored (any bytes; normally 64 hexadecimal characters).
    ///   - sequence: The entry's sequence number.
    ///   - occurredAt: When it happened, in milliseconds since 1970.
    ///   - actor: The actor's UTF-8 bytes.
    ///   - subject: The subject's UTF-8 bytes, or `nil`.
    ///   - action: The action's UTF-8 bytes.
    ///   - requestID: The request id's UTF-8 bytes, or `nil`.
    ///   - details: The details' UTF-8 bytes.
    /// - Returns: A buffer owned by the hasher, valid until its next call.
    public func hash(
        previousHash: UnsafeRawBufferPointer, sequence: Int64, occurredAt: Int64, actor: UnsafeRawBufferPointer,
        subject: UnsafeRawBufferPointer?, action: UnsafeRawBufferPointer, requestID: UnsafeRawBufferPointer?,
        details: UnsafeRawBufferPointer
    ) -> UnsafeRawBufferPointer {
        // Length prefixes and integers are 8 bytes each, optionals add a 1-byte marker.
        let needed =
            8 * 9 + 2 + Self.label.count + previousHash.count + actor.count + (subject?.count ?? 0) + action.count
            + (requestID?.count ?? 0) + details.count
        if needed > input.count {
            input.deallocate()
            input = .allocate(byteCount: needed * 2, alignment: 8)
        }
        var writer = Writer(base: input.baseAddress!)
        Self.label.withUnsafeBytes { writer.string($0) }
        writer.string(previousHash)
        writer.integer(UInt64(bitPattern: sequence))
        writer.integer(UInt64(bitPattern: occurredAt))
        writer.string(actor)
        writer.optional(subject)
        writer.string(action)
        writer.optional(requestID)
        writer.string(details)

        var sha = SHA256()
        sha.update(bufferPointer: UnsafeRawBufferPointer(rebasing: input[..<writer.offset]))
        let digest = sha.finalize()
        let hex = self.hex
        Self.digits.withUnsafeBufferPointer { digits in
            digest.withUnsafeBytes { bytes in
                for index in 0..<32 {
                    hex[2 * index] = digits[Int(bytes[index] >> 4)]
                    hex[2 * index + 1] = digits[Int(bytes[index] & 0x0F)]
                }
            }
        }
        return UnsafeRawBufferPointer(hex)
    }

    /// Whether `storedHash` is exactly the entry's hash (byte for byte, as 64 lowercase hexadecimal characters).
    ///
    /// See ``hash(previousHash:sequence:occurredAt:actor:subject:action:requestID:details:)`` for the parameters.
    public func matches(
        _ storedHash: UnsafeRawBufferPointer, previousHash: UnsafeRawBufferPointer, sequence: Int64,
        occurredAt: Int64, actor: UnsafeRawBufferPointer, subject: UnsafeRawBufferPointer?,
        action: UnsafeRawBufferPointer, requestID: UnsafeRawBufferPointer?, details: UnsafeRawBufferPointer
    ) -> Bool {
        guard storedHash.count == 64 else { return false }
        let computed = hash(
            previousHash: previousHash, sequence: sequence, occurredAt: occurredAt, actor: actor, subject: subject,
            action: action, requestID: requestID, details: details)
        return Self.equal(computed, storedHash)
    }

    /// Whether two stored hashes are the same 64 bytes; `false` when either is not 64 bytes long.
    public static func equal(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
        guard left.count == 64, right.count == 64 else { return false }
        var difference: UInt64 = 0
        for offset in stride(from: 0, to: 64, by: 8) {
            difference |=
                left.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                ^ right.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
        return difference == 0
    }
}

/// Writes the hash input's encoding into a buffer with enough room.
private struct Writer {
    let base: UnsafeMutableRawPointer
    private(set) var offset = 0

    init(base: UnsafeMutableRawPointer) {
        self.base = base
    }

    /// 8 bytes, big-endian.
    mutating func integer(_ value: UInt64) {
        (base + offset).storeBytes(of: value.bigEndian, as: UInt64.self)
        offset += 8
    }

    /// The length as 8 bytes big-endian, then the bytes.
    mutating func string(_ bytes: UnsafeRawBufferPointer) {
        integer(UInt64(bytes.count))
        if let source = bytes.baseAddress, !bytes.isEmpty {
            (base + offset).copyMemory(from: source, byteCount: bytes.count)
        }
        offset += bytes.count
    }

    /// A 0 byte for `nil`, or a 1 byte and the string.
    mutating func optional(_ bytes: UnsafeRawBufferPointer?) {
        if let bytes {
            base.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self)
            offset += 1
            string(bytes)
        } else {
            base.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
            offset += 1
        }
    }
}

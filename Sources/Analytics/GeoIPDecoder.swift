/// The data types of a MaxMind DB data section, by their number in the format.
enum GeoIPType: Int {
    case pointer = 1
    case string = 2
    case double = 3
    case bytes = 4
    case uint16 = 5
    case uint32 = 6
    case map = 7
    case int32 = 8
    case uint64 = 9
    case uint128 = 10
    case array = 11
    case container = 12
    case endMarker = 13
    case boolean = 14
    case float = 15
}

/// The head of one field of a data section: its type, its size and where its payload starts.
struct GeoIPField {
    /// The field's type.
    let type: GeoIPType
    /// The payload's length in bytes; for a map its number of pairs, for an array its number of values, for a boolean
    /// its value, and for a pointer the offset it points to, counted from the start of the section.
    let size: Int
    /// The offset of the payload in the file (for a pointer, the offset just after it).
    let payload: Int
}

/// Reads fields of one section of a MaxMind DB file (the data section or the metadata), whose pointers count from the
/// section's start, checking every offset against the section's bounds.
///
/// It decodes only what a lookup needs and skips the rest without building values; a corrupt field gives nil.
///
/// - Important: A decoder is valid only while its buffer is; never store it.
struct GeoIPDecoder {
    /// The whole file.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The offset of the section's first byte in the file.
    let start: Int
    /// The offset just past the section's last byte.
    let end: Int

    /// The head of the field at `offset`, or nil when it does not fit in the section or has an unknown type.
    @inline(__always) func field(at offset: Int) -> GeoIPField? {
        guard offset >= start, offset < end else { return nil }
        let control = Int(bytes[offset])
        var position = offset + 1
        var typeNumber = control >> 5
        if typeNumber == GeoIPType.pointer.rawValue {
            // 001SSVVV: SS + 1 more bytes; the three V bits lead the value except for SS = 3.
            let sizeClass = (control >> 3) & 0x3
            let length = sizeClass + 1
            guard end - position >= length else { return nil }
            var target = sizeClass == 3 ? 0 : control & 0x7
            for index in position..<position + length {
                target = target << 8 | Int(bytes[index])
            }
            switch sizeClass {
            case 1: target += 2048
            case 2: target += 526_336
            default: break
            }
            return GeoIPField(type: .pointer, size: target, payload: position + length)
        }
        if typeNumber == 0 {
            // Extended: the next byte holds the type minus 7.
            guard position < end else { return nil }
            typeNumber = Int(bytes[position]) + 7
            position += 1
            guard typeNumber >= 8 else { return nil }
        }
        guard let type = GeoIPType(rawValue: typeNumber) else { return nil }
        var size = control & 0x1F
        if size >= 29 {
            let length = size - 28
            guard end - position >= length else { return nil }
            var extra = 0
            for index in position..<position + length {
                extra = extra << 8 | Int(bytes[index])
            }
            position += length
            switch length {
            case 1: size = 29 + extra
            case 2: size = 285 + extra
            default: size = 65_821 + extra
            }
        }
        return GeoIPField(type: type, size: size, payload: position)
    }

    /// The field at `offset`, or the one it points to when it is a pointer; nil when corrupt, including a pointer to a
    /// pointer, which the format forbids.
    @inline(__always) func resolvedField(at offset: Int) -> GeoIPField? {
        guard let field = field(at: offset) else { return nil }
        guard field.type == .pointer else { return field }
        guard let target = self.field(at: start + field.size), target.type != .pointer else { return nil }
        return target
    }

    /// The offset just past a field that holds no other fields, or nil when it is a map or an array, has a size its
    /// type does not allow, or runs past the section.
    @inline(__always) func end(ofScalar field: GeoIPField) -> Int? {
        let length: Int
        switch field.type {
        case .pointer: length = 0
        case .string, .bytes, .container: length = field.size
        case .double:
            guard field.size == 8 else { return nil }
            length = 8
        case .float:
            guard field.size == 4 else { return nil }
            length = 4
        case .uint16:
            guard field.size <= 2 else { return nil }
            length = field.size
        case .uint32, .int32:
            guard field.size <= 4 else { return nil }
            length = field.size
        case .uint64:
            guard field.size <= 8 else { return nil }
            length = field.size
        case .uint128:
            guard field.size <= 16 else { return nil }
            length = field.size
        case .boolean:
            guard field.size <= 1 else { return nil }
            length = 0
        case .endMarker:
            guard field.size == 0 else { return nil }
            length = 0
        case .map, .array: return nil
        }
        guard end - field.payload >= length else { return nil }
        return field.payload + length
    }

    /// The offset just past the value at `offset` and everything it contains (pointers are not followed), or nil when
    /// it is corrupt.
    ///
    /// Works without recursion: it counts the values still to skip, and since each takes at least one byte, stops as
    /// soon as more are promised than bytes are left.
    func skip(at offset: Int) -> Int? {
        var position = offset
        var pending = 1
        while pending > 0 {
            guard let field = field(at: position) else { return nil }
            pending -= 1
            switch field.type {
            case .map:
                pending += 2 * field.size
                position = field.payload
            case .array:
                pending += field.size
                position = field.payload
            default:
                guard let next = end(ofScalar: field) else { return nil }
                position = next
            }
            guard pending <= end - position else { return nil }
        }
        return position
    }

    /// The offset and length of the string at `offset` (following a pointer), or nil when it is not a string.
    @inline(__always) func string(at offset: Int) -> (start: Int, count: Int)? {
        guard let field = resolvedField(at: offset), field.type == .string, end - field.payload >= field.size else {
            return nil
        }
        return (field.payload, field.size)
    }

    /// Whether the bytes at `range` spell `name`.
    @inline(__always) func matches(_ range: (start: Int, count: Int), _ name: StaticString) -> Bool {
        guard range.count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        for index in 0..<range.count where bytes[range.start + index] != expected[index] {
            return false
        }
        return true
    }

    /// The unsigned integer at `offset` (following a pointer), or nil when it is not an unsigned integer below 2^64.
    func unsigned(at offset: Int) -> UInt64? {
        guard let field = resolvedField(at: offset), field.size <= 8, end(ofScalar: field) != nil else { return nil }
        switch field.type {
        case .uint16, .uint32, .uint64, .uint128: break
        default: return nil
        }
        var value: UInt64 = 0
        for index in field.payload..<field.payload + field.size {
            value = value << 8 | UInt64(bytes[index])
        }
        return value
    }

    /// Calls `body` with the offset of each key and of its value in the map at `offset` (following a pointer), until
    /// `body` returns false; false when the map is corrupt or not a map.
    ///
    /// Keys are strings, or pointers to strings; a value's offset may hold a pointer.
    func forEachPair(
        inMapAt offset: Int, _ body: (_ key: (start: Int, count: Int), _ value: Int) -> Bool
    ) -> Bool {
        guard let map = resolvedField(at: offset), map.type == .map else { return false }
        var position = map.payload
        for _ in 0..<map.size {
            guard let keyField = field(at: position) else { return false }
            let key: (start: Int, count: Int)
            switch keyField.type {
            case .string:
                guard end - keyField.payload >= keyField.size else { return false }
                key = (keyField.payload, keyField.size)
                position = keyField.payload + keyField.size
            case .pointer:
                guard let target = string(at: position) else { return false }
                key = target
                position = keyField.payload
            default:
                return false
            }
            guard body(key, position) else { return true }
            guard let next = skip(at: position) else { return false }
            position = next
        }
        return true
    }

    /// The country of the data record at `offset`: `country.iso_code`, else `registered_country.iso_code`; nil when
    /// neither is a two-letter code or the record is corrupt.
    func countryCode(ofRecordAt offset: Int) -> String? {
        var country: String?
        var registered: String?
        let intact = forEachPair(inMapAt: offset) { key, value in
            if matches(key, "country") {
                country = isoCode(inMapAt: value)
                return country == nil
            }
            if matches(key, "registered_country") {
                registered = isoCode(inMapAt: value)
            }
            return true
        }
        return country ?? (intact ? registered : nil)
    }

    /// The `iso_code` of the map at `offset`, upper-cased, when it is two ASCII letters.
    private func isoCode(inMapAt offset: Int) -> String? {
        var code: String?
        _ = forEachPair(inMapAt: offset) { key, value in
            guard matches(key, "iso_code") else { return true }
            if let string = string(at: value), string.count == 2,
                let first = Self.upperCaseLetter(bytes[string.start]),
                let second = Self.upperCaseLetter(bytes[string.start + 1])
            {
                code = String(unsafeUninitializedCapacity: 2) { buffer in
                    buffer[0] = first
                    buffer[1] = second
                    return 2
                }
            }
            return false
        }
        return code
    }

    /// The upper-case form of an ASCII letter, or nil for any other byte.
    @inline(__always) private static func upperCaseLetter(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - 32
        default: nil
        }
    }
}

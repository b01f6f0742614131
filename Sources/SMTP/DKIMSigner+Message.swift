import Crypto

extension DKIMSigner {
    /// The longest line of the `DKIM-Signature` field, CRLF excluded (RFC 5322 §2.1.1).
    static let maximumLineLength = 78

    /// Reads the parts of the message the signature covers: the signed header fields and the body.
    /// - Parameter message: The message's bytes.
    /// - Returns: The `h=` names (one per signed occurrence, as configured), the relaxed canonical form of
    ///   those fields in that order, and the SHA-256 of the relaxed canonical body.
    /// - Throws: `DKIMError.missingHeaderSeparator`, `.missingFromHeader`.
    func signedParts(
        of message: UnsafeRawBufferPointer
    ) throws(DKIMError) -> (names: [String], signedFields: [UInt8], bodyHash: SHA256.Digest) {
        let (fields, bodyStart) = try Self.headerFields(of: message)
        var names: [String] = []
        var signedFields: [UInt8] = []
        signedFields.reserveCapacity(1024)
        for (name, lowercased) in zip(signedHeaders, signedNames) {
            let occurrences = fields.filter { Self.name(of: $0, in: message, equals: lowercased) }
            // With a name listed k times, verifiers take the k occurrences from the bottom up.
            for field in occurrences.reversed() {
                names.append(name)
                RelaxedCanonicalization.appendHeader(
                    UnsafeRawBufferPointer(rebasing: message[field]), to: &signedFields)
            }
            if lowercased == Array("from".utf8), occurrences.isEmpty {
                throw .missingFromHeader
            }
        }
        var body: [UInt8] = []
        body.reserveCapacity(message.count - bodyStart + 2)
        RelaxedCanonicalization.appendBody(UnsafeRawBufferPointer(rebasing: message[bodyStart...]), to: &body)
        return (names, signedFields, SHA256.hash(data: body))
    }

    /// Splits the header into fields (a field runs from its name to the end of its last continuation line).
    /// - Parameter message: The message's bytes.
    /// - Returns: Each field's byte range, final line break excluded, in order; and where the body starts.
    /// - Throws: `DKIMError.missingHeaderSeparator` when no empty line ends the header.
    static func headerFields(of message: UnsafeRawBufferPointer) throws(DKIMError) -> (
        fields: [Range<Int>], bodyStart: Int
    ) {
        var fields: [Range<Int>] = []
        var lineStart = 0
        while lineStart < message.count {
            var lineEnd = lineStart
            while lineEnd < message.count, message[lineEnd] != UInt8(ascii: "\r"),
                message[lineEnd] != UInt8(ascii: "\n")
            {
                lineEnd += 1
            }
            guard lineEnd < message.count else {
                // The header ran to the end without an empty line.
                break
            }
            var next = lineEnd + 1
            if message[lineEnd] == UInt8(ascii: "\r"), next < message.count, message[next] == UInt8(ascii: "\n") {
                next += 1
            }
            if lineEnd == lineStart {
                return (fields, next)
            }
            let first = message[lineStart]
            if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                if let last = fields.popLast() {
                    fields.append(last.lowerBound..<lineEnd)
                }
            } else if message[lineStart..<lineEnd].contains(UInt8(ascii: ":")) {
                fields.append(lineStart..<lineEnd)
            }
            lineStart = next
        }
        throw .missingHeaderSeparator
    }

    /// Whether the field's name (before the colon, trailing whitespace ignored) is `lowercased`, ignoring ASCII
    /// case.
    /// - Parameters:
    ///   - field: The field's byte range.
    ///   - message: The message's bytes.
    ///   - lowercased: The name to look for, lowercased.
    static func name(of field: Range<Int>, in message: UnsafeRawBufferPointer, equals lowercased: [UInt8]) -> Bool {
        guard field.count > lowercased.count else {
            return false
        }
        for (offset, expected) in lowercased.enumerated() {
            let byte = message[field.lowerBound + offset]
            let folded = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            guard folded == expected else {
                return false
            }
        }
        var index = field.lowerBound + lowercased.count
        while index < field.upperBound, message[index] == UInt8(ascii: " ") || message[index] == UInt8(ascii: "\t") {
            index += 1
        }
        return index < field.upperBound && message[index] == UInt8(ascii: ":")
    }

    /// Adds `piece` to the last line after `separator`, or on a new folded line (`\t` + piece) when the line would
    /// grow past `maximumLineLength`.
    /// - Parameters:
    ///   - piece: A tag, or part of one where folding is allowed.
    ///   - separator: What joins it to the line when it fits: a space between tags, nothing inside `h=`.
    ///   - lines: The field's lines so far, at least one.
    static func append(_ piece: String, separator: String, to lines: inout [String]) {
        let last = lines.count - 1
        if lines[last].utf8.count + separator.utf8.count + piece.utf8.count <= maximumLineLength {
            lines[last] += separator + piece
        } else {
            lines.append("\t" + piece)
        }
    }

    /// Adds a base64 value to the last line, filling it up, and continues it on folded lines.
    /// - Parameters:
    ///   - value: The `b=` value; base64 may be folded anywhere (RFC 6376 §2.4).
    ///   - lines: The field's lines so far, the last ending in `b=`.
    static func appendFolded(_ value: String, to lines: inout [String]) {
        var rest = Substring(value)
        let last = lines.count - 1
        let room = max(maximumLineLength - lines[last].utf8.count, 0)
        lines[last] += rest.prefix(room)
        rest = rest.dropFirst(room)
        while !rest.isEmpty {
            lines.append("\t" + rest.prefix(maximumLineLength - 1))
            rest = rest.dropFirst(maximumLineLength - 1)
        }
    }
}

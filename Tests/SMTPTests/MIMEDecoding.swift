import Foundation

/// Minimal readers for what `MailMessage.render()` writes, so tests check the output by decoding it back.
enum MIMEDecoding {
    /// A message split into unfolded headers and a body.
    struct Entity {
        /// Header fields in order, names as written, values unfolded (CRLF removed) without the leading space.
        var headers: [(name: String, value: String)]
        /// Everything after the blank line.
        var body: String

        /// The first value of the header called `name` (case-insensitive).
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// Splits CRLF text at the first blank line and unfolds the headers.
    static func entity(_ text: String) -> Entity {
        let separator = text.range(of: "\r\n\r\n")
        let head = separator.map { String(text[..<$0.lowerBound]) } ?? text
        let body = separator.map { String(text[$0.upperBound...]) } ?? ""
        var headers: [(name: String, value: String)] = []
        for line in head.components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), !headers.isEmpty {
                headers[headers.count - 1].value += line
            } else if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...]
                headers.append((String(line[..<colon]), String(value.hasPrefix(" ") ? value.dropFirst() : value)))
            }
        }
        return Entity(headers: headers, body: body)
    }

    /// Decodes quoted-printable text: `=` soft line breaks vanish, `=XX` becomes the byte, CRLF stays CRLF.
    static func quotedPrintable(_ text: String) -> String? {
        var bytes: [UInt8] = []
        let input = Array(text.utf8)
        var index = 0
        while index < input.count {
            let byte = input[index]
            guard byte == UInt8(ascii: "=") else {
                bytes.append(byte)
                index += 1
                continue
            }
            if index + 2 < input.count, input[index + 1] == 0x0D, input[index + 2] == 0x0A {
                index += 3
                continue
            }
            guard index + 2 < input.count,
                let value = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            else {
                return nil
            }
            bytes.append(value)
            index += 3
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Decodes an unfolded header value made of RFC 2047 `=?UTF-8?B?…?=` words (whitespace between adjacent
    /// encoded-words dropped, as RFC 2047 §6.2 says); other words are kept as they are.
    static func headerText(_ value: String) -> String {
        var result = ""
        var previousWasEncoded = false
        for (index, word) in value.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
                let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))),
                let text = String(data: data, encoding: .utf8)
            {
                result += (index > 0 && !previousWasEncoded ? " " : "") + text
                previousWasEncoded = true
            } else {
                result += (index > 0 ? " " : "") + word
                previousWasEncoded = false
            }
        }
        return result
    }

    /// The parts of a multipart body delimited by `boundary`, or `nil` when the delimiters are not well-formed:
    /// each `--boundary` line must start a line, and the closing `--boundary--` must end the body.
    static func parts(of body: String, boundary: String) -> [Entity]? {
        let closing = "\r\n--\(boundary)--\r\n"
        guard body.hasSuffix(closing), body.components(separatedBy: closing).count == 2 else {
            return nil
        }
        let content = String(body.dropLast(closing.count))
        let sections = content.components(separatedBy: "\r\n--\(boundary)\r\n")
        // The first section is the preamble.
        return sections.dropFirst().map(entity)
    }
}

extension HTMLToken {
    /// Splits HTML into tokens, following the HTML tokenizer's rules closely enough that what a browser would read
    /// as a tag or an attribute is read as one here.
    ///
    /// A `<` that does not start a tag becomes `&lt;` text. The content of raw-text elements (``rawTextElements``)
    /// is one ``rawText`` token up to the matching end tag.
    static func tokenize(_ html: String) -> [HTMLToken] {
        var reader = Reader(bytes: Array(html.utf8))
        return reader.readAll()
    }
}

/// Walks HTML bytes, producing tokens.
private struct Reader {
    /// The document.
    let bytes: [UInt8]
    /// The next byte to look at.
    var index = 0
    /// The tokens so far.
    var tokens: [HTMLToken] = []
    /// Where the text not yet emitted starts.
    var textStart = 0

    /// Prepares to read `bytes`.
    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Reads the whole document.
    mutating func readAll() -> [HTMLToken] {
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            let tagStart = index
            let next = byte(at: index + 1)
            if let next, isLetter(next), let (token, end) = startTag(at: index) {
                emitText(upTo: tagStart)
                tokens.append(token)
                index = end
                textStart = end
                if case .start(let name, _, let selfClosing) = token, !selfClosing,
                    HTMLToken.rawTextElements.contains(name)
                {
                    readRawText(closing: name)
                }
            } else if next == UInt8(ascii: "/"), let letter = byte(at: index + 2), isLetter(letter),
                let (token, end) = endTag(at: index)
            {
                emitText(upTo: tagStart)
                tokens.append(token)
                index = end
                textStart = end
            } else if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                emitText(upTo: tagStart)
                let end = commentEnd(from: index)
                tokens.append(.comment(string(tagStart..<end)))
                index = end
                textStart = end
            } else {
                emitText(upTo: tagStart)
                appendText("&lt;")
                index += 1
                textStart = index
            }
        }
        emitText(upTo: bytes.count)
        return tokens
    }

    /// Emits the pending text before `end`.
    private mutating func emitText(upTo end: Int) {
        guard end > textStart else { return }
        appendText(string(textStart..<end))
        textStart = end
    }

    /// Appends text, merging it with a text token just before.
    private mutating func appendText(_ text: String) {
        if case .text(let previous) = tokens.last {
            tokens[tokens.count - 1] = .text(previous + text)
        } else {
            tokens.append(.text(text))
        }
    }

    /// Reads a start tag at `start` (a `<` followed by a letter).
    /// - Returns: The token and the index after its `>`, or nil when the tag never ends.
    private func startTag(at start: Int) -> (HTMLToken, Int)? {
        var position = start + 1
        let nameStart = position
        while let byte = byte(at: position), !isSpace(byte), byte != UInt8(ascii: "/"), byte != UInt8(ascii: ">") {
            position += 1
        }
        // Browsers take any character but these as part of a name (`<scr<script>` is one tag); here an odd name
        // makes the `<` text instead, so no reader can disagree about where tags are.
        guard isTagName(nameStart..<position) else { return nil }
        let name = string(nameStart..<position).lowercased()
        var attributes: [HTMLToken.Attribute] = []
        var selfClosing = false
        while true {
            while let byte = byte(at: position), isSpace(byte) || byte == UInt8(ascii: "/") {
                selfClosing = byte == UInt8(ascii: "/")
                position += 1
            }
            guard let byte = byte(at: position) else { return nil }
            if byte == UInt8(ascii: ">") { break }
            selfClosing = false
            let attributeStart = position
            position += 1  // A first `=` belongs to the name, as in the HTML tokenizer.
            while let byte = self.byte(at: position), !isSpace(byte), byte != UInt8(ascii: "/"),
                byte != UInt8(ascii: ">"), byte != UInt8(ascii: "=")
            {
                position += 1
            }
            let attributeName = string(attributeStart..<position).lowercased()
            var afterName = position
            while let byte = self.byte(at: afterName), isSpace(byte) { afterName += 1 }
            var value: String?
            if self.byte(at: afterName) == UInt8(ascii: "=") {
                position = afterName + 1
                while let byte = self.byte(at: position), isSpace(byte) { position += 1 }
                guard let first = self.byte(at: position) else { return nil }
                if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
                    guard let close = bytes[(position + 1)...].firstIndex(of: first) else { return nil }
                    value = string((position + 1)..<close)
                    position = close + 1
                } else {
                    let valueStart = position
                    while let byte = self.byte(at: position), !isSpace(byte), byte != UInt8(ascii: ">") {
                        position += 1
                    }
                    value = string(valueStart..<position)
                }
            }
            // A repeated attribute is ignored by browsers; ignoring it here keeps the checks on the one that counts.
            if !attributes.contains(where: { $0.name == attributeName }) {
                attributes.append(HTMLToken.Attribute(name: attributeName, value: value))
            }
        }
        return (.start(name: name, attributes: attributes, selfClosing: selfClosing), position + 1)
    }

    /// Reads an end tag at `start` (`</` followed by a letter).
    /// - Returns: The token and the index after its `>`, or nil when the tag never ends.
    private func endTag(at start: Int) -> (HTMLToken, Int)? {
        var position = start + 2
        let nameStart = position
        while let byte = byte(at: position), !isSpace(byte), byte != UInt8(ascii: "/"), byte != UInt8(ascii: ">") {
            position += 1
        }
        guard isTagName(nameStart..<position) else { return nil }
        let name = string(nameStart..<position).lowercased()
        guard let close = bytes[position...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
        return (.end(name: name), close + 1)
    }

    /// The index after a comment (`<!--` … `-->`) or another `<!`/`<?` construct (up to `>`) at `start`, or the end.
    private func commentEnd(from start: Int) -> Int {
        if bytes[start...].starts(with: Array("<!--".utf8)) {
            var position = start + 4
            while position + 2 < bytes.count {
                if bytes[position] == UInt8(ascii: "-"), bytes[position + 1] == UInt8(ascii: "-"),
                    bytes[position + 2] == UInt8(ascii: ">")
                {
                    return position + 3
                }
                position += 1
            }
            return bytes.count
        }
        guard let close = bytes[start...].firstIndex(of: UInt8(ascii: ">")) else { return bytes.count }
        return close + 1
    }

    /// Reads a raw-text element's content up to `</name` (case-insensitive), leaving the end tag to be read.
    private mutating func readRawText(closing name: String) {
        let closing = Array(("</" + name).utf8)
        var position = index
        while position < bytes.count {
            if bytes[position] == UInt8(ascii: "<"), position + closing.count <= bytes.count,
                zip(bytes[position..<(position + closing.count)], closing).allSatisfy({ lowercased($0) == $1 }),
                byte(at: position + closing.count).map({
                    isSpace($0) || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "/")
                }) ?? true
            {
                break
            }
            position += 1
        }
        if position > index { tokens.append(.rawText(string(index..<position))) }
        index = position
        textStart = position
    }

    /// Whether the bytes form a plain element name: ASCII letters, digits and hyphens (custom elements).
    private func isTagName(_ range: Range<Int>) -> Bool {
        bytes[range].allSatisfy {
            isLetter($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
        }
    }

    /// The byte at `position`, nil past the end.
    private func byte(at position: Int) -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    /// The bytes in `range` as text.
    private func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    /// Whether `byte` is an ASCII letter.
    private func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    /// Whether `byte` is HTML white space.
    private func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    /// `byte` lower-cased if it is an ASCII capital.
    private func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}

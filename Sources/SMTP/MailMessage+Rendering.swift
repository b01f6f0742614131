import Foundation

extension MailMessage {
    /// Headers that `render()` writes itself and that `extraHeaders` therefore may not repeat.
    static let reservedHeaderNames: Set<String> = [
        "date", "from", "to", "cc", "bcc", "reply-to", "subject", "message-id", "mime-version", "content-type",
        "content-transfer-encoding",
    ]

    /// RFC 5322 text with CRLF line endings.
    ///
    /// Headers in order: Date (RFC 5322 format, UTC), From, To, Reply-To (when set), Subject, Message-ID,
    /// MIME-Version, the extra headers, then either a multipart/alternative body (text/plain then text/html) or a
    /// single text/plain part; every part is UTF-8 and quoted-printable, so the result is 7-bit ASCII apart from
    /// non-ASCII addresses. Non-ASCII header values become RFC 2047 encoded-words (UTF-8, Base64), display names
    /// are quoted where needed, header lines are folded to 78 characters where the value allows it and body
    /// lines are at most 76 characters. The output is deterministic: the multipart boundary derives from the
    /// Message-ID, and starts with `=_`, which quoted-printable text never contains.
    /// - Returns: The message, ending with CRLF.
    /// - Throws: `MailError.headerInjection` when any header value (subject, Message-ID, extra headers) contains
    ///   CR, LF or NUL; `MailError.invalidHeader` for a malformed Message-ID or an extra header whose name is
    ///   malformed or reserved; `MailError.invalidAddress` when there is no recipient.
    public func render() throws(MailError) -> String {
        var headers = try headerLines()
        let textPart = QuotedPrintable.encode(textBody)
        guard let htmlBody else {
            headers.append("Content-Type: text/plain; charset=utf-8")
            headers.append("Content-Transfer-Encoding: quoted-printable")
            return headers.joined(separator: "\r\n") + "\r\n\r\n" + textPart + "\r\n"
        }
        let boundary = self.boundary()
        headers.append(
            HeaderEncoding.fold(name: "Content-Type", tokens: ["multipart/alternative;", "boundary=\"\(boundary)\""]))
        let parts = [("text/plain", textPart), ("text/html", QuotedPrintable.encode(htmlBody))]
        var body = "This is a multi-part message in MIME format.\r\n"
        for (mediaType, content) in parts {
            body += "\r\n--\(boundary)\r\n"
            body += "Content-Type: \(mediaType); charset=utf-8\r\n"
            body += "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            body += content
        }
        body += "\r\n--\(boundary)--\r\n"
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    /// The header lines `render()` writes before the content headers, validated.
    func headerLines() throws(MailError) -> [String] {
        guard !to.isEmpty else {
            throw .invalidAddress("the message has no recipient")
        }
        var headers: [String] = [
            "Date: \(Self.rfc5322Date(date))",
            HeaderEncoding.addressList(name: "From", mailboxes: [from]),
            HeaderEncoding.addressList(name: "To", mailboxes: to),
        ]
        if let replyTo {
            headers.append(HeaderEncoding.addressList(name: "Reply-To", mailboxes: [replyTo]))
        }
        headers.append(try HeaderEncoding.unstructured(name: "Subject", value: subject, encodeLongWords: true))
        headers.append("Message-ID: <\(try validatedMessageID())>")
        headers.append("MIME-Version: 1.0")
        for header in extraHeaders {
            try Self.validateExtraHeaderName(header.name)
            headers.append(
                try HeaderEncoding.unstructured(name: header.name, value: header.value, encodeLongWords: false))
        }
        return headers
    }

    /// The Message-ID, checked to be a single token that cannot break out of its angle brackets.
    private func validatedMessageID() throws(MailError) -> String {
        if MailAddress.containsLineBreakOrNUL(messageID) {
            throw .headerInjection(field: "Message-ID")
        }
        let isToken =
            !messageID.isEmpty
            && messageID.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) && $0 != "<" && $0 != ">" }
        guard isToken else {
            throw .invalidHeader(field: "Message-ID")
        }
        return messageID
    }

    /// Checks that an extra header name is an RFC 5322 field name and not one `render()` writes itself.
    private static func validateExtraHeaderName(_ name: String) throws(MailError) {
        if MailAddress.containsLineBreakOrNUL(name) {
            throw .headerInjection(field: "extra header name")
        }
        let isFieldName =
            !name.isEmpty && name.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ":") }
        let isReserved = reservedHeaderNames.contains { reserved in
            reserved.utf8.count == name.utf8.count
                && zip(reserved.utf8, name.utf8).allSatisfy { $0 == $1 | (($1 >= 0x41 && $1 <= 0x5A) ? 0x20 : 0) }
        }
        guard isFieldName, !isReserved else {
            throw .invalidHeader(field: isFieldName ? name : "extra header name")
        }
    }

    /// A boundary derived from the Message-ID (FNV-1a), so that rendering is repeatable.
    func boundary() -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in messageID.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return "=_steward_" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Formats `date` as RFC 5322 `date-time` in UTC, e.g. `Tue, 04 Nov 2025 18:11:05 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm): no calendar or locale involved.
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // 1970-01-01 was a Thursday.
        let weekday = Int(((days % 7) + 11) % 7)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func twoDigits(_ value: Int) -> String {
            value < 10 ? "0\(value)" : "\(value)"
        }
        let time =
            "\(twoDigits(secondOfDay / 3600)):\(twoDigits(secondOfDay / 60 % 60)):\(twoDigits(secondOfDay % 60))"
        return "\(weekdays[weekday]), \(twoDigits(day)) \(months[month - 1]) \(year) \(time) +0000"
    }
}

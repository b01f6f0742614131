/// Prepares a message for the SMTP DATA phase (RFC 5321 §4.5.2).
enum DotStuffing {
    /// The DATA payload for `message`: CRLF line endings, an extra `.` before every line that starts with one, and
    /// the terminating `.` line.
    /// - Parameter message: The message text, with any line endings.
    /// - Returns: The bytes to send after the 354 reply, ending in `CRLF.CRLF`.
    static func payload(for message: String) -> String {
        var lines = LineBreaks.lines(of: message)
        if lines.last?.isEmpty == true {
            // The message's own final line break; the terminator below supplies it.
            lines.removeLast()
        }
        var payload = ""
        payload.reserveCapacity(message.utf8.count + lines.count + 5)
        for line in lines {
            if line.hasPrefix(".") {
                payload += "."
            }
            payload += line
            payload += "\r\n"
        }
        payload += ".\r\n"
        return payload
    }
}

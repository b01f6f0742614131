import Synchronization

/// Counts, per connection of a `ScriptedServer`, the recipients accepted since the last MAIL, so that a script
/// can answer DATA the way real servers do: 554 when no recipient was accepted.
final class EnvelopeTally: Sendable {
    /// Accepted recipients by connection number.
    private let accepted = Mutex<[Int: Int]>([:])

    /// Starts a new transaction on `connection`.
    func reset(_ connection: Int) {
        accepted.withLock { $0[connection] = 0 }
    }

    /// Counts an accepted recipient on `connection`.
    func accept(_ connection: Int) {
        accepted.withLock { $0[connection, default: 0] += 1 }
    }

    /// Whether the current transaction on `connection` has an accepted recipient.
    func hasRecipients(_ connection: Int) -> Bool {
        accepted.withLock { ($0[connection] ?? 0) > 0 }
    }

    /// A script like `SMTPConnectionProtocolTests.wellMannered()` (which announces PIPELINING) that refuses the
    /// recipients `refusal` returns a reply for and answers DATA with 554 when no recipient was accepted.
    /// - Parameter refusal: The reply for a RCPT line, or `nil` to accept it.
    static func realisticScript(
        refusing refusal: @escaping @Sendable (String) -> String? = { _ in nil }
    ) -> @Sendable (Int, String) -> ScriptedServer.Action {
        let tally = EnvelopeTally()
        let base = SMTPConnectionProtocolTests.wellMannered()
        return { connection, line in
            if line.hasPrefix("MAIL") {
                tally.reset(connection)
            } else if line.hasPrefix("RCPT") {
                if let reply = refusal(line) {
                    return .reply(reply)
                }
                tally.accept(connection)
            } else if line == "DATA", !tally.hasRecipients(connection) {
                return .reply("554 5.5.1 Error: no valid recipients")
            }
            return base(line)
        }
    }
}

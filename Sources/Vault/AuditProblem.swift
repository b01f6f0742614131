/// What is wrong with an audit chain at the first bad entry.
public enum AuditProblem: Sendable, Equatable, CustomStringConvertible {
    /// The entry's content no longer matches its hash, or it was rewritten with a recomputed hash.
    case changed
    /// An entry is missing: its sequence number is absent from the chain.
    case removed
    /// Entries are out of order: sequence numbers decrease or repeat, or an entry links to another position.
    case reordered

    /// A plain English sentence without the sequence number, e.g. "an entry was changed after it was written".
    public var description: String {
        switch self {
        case .changed: "an entry was changed after it was written"
        case .removed: "an entry was removed"
        case .reordered: "entries were moved out of their original order"
        }
    }

    /// A plain English sentence naming the entry, e.g. "entry 7 was changed after it was written".
    ///
    /// - Parameter sequence: The sequence number reported with the problem.
    public func sentence(sequence: Int64) -> String {
        switch self {
        case .changed: "entry \(sequence) was changed after it was written"
        case .removed: "entry \(sequence) was removed"
        case .reordered: "entry \(sequence) was moved out of its original position"
        }
    }
}

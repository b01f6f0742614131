/// The outcome of ``AuditChain/verify(_:)``.
public enum AuditVerification: Sendable, Equatable, CustomStringConvertible {
    /// Every entry checked out; `count` entries were verified.
    case intact(count: Int)
    /// The first bad entry: its sequence number (or the expected number where one is missing) and why.
    case broken(sequence: Int64, problem: AuditProblem)

    /// A plain English sentence, e.g. "all 50 entries are intact" or "entry 7 was changed after it was written".
    public var description: String {
        switch self {
        case .intact(let count): count == 1 ? "the 1 entry is intact" : "all \(count) entries are intact"
        case .broken(let sequence, let problem): problem.sentence(sequence: sequence)
        }
    }
}

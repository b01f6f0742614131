import Yams

/// A YAML mapping being read: its values by key, and where it and its keys are.
struct Entries {
    /// Where the mapping starts (its first key for a block mapping).
    let mark: Mark?
    /// How messages name the mapping.
    var place: Place
    /// Values by key; when a key is not text it is left out (and reported).
    let values: [String: Node]
    /// Keys in file order, with their positions.
    let keys: [(name: String, mark: Mark?)]

    /// The position of a key's value, or of the mapping itself when the key is absent.
    func mark(of key: String) -> Mark? {
        values[key]?.mark ?? mark
    }

    /// Positions of the elements of a list value, in order; empty when the value is not a list.
    func elementMarks(of key: String) -> [Mark?] {
        values[key]?.sequence.map { $0.map(\.mark) } ?? []
    }
}

/// A value read from the file together with the mapping it came from, so later checks can point at it.
struct Parsed<Value> {
    /// The value, with neutral placeholders where the file had a problem (already reported).
    var value: Value
    /// The mapping it was read from.
    let entries: Entries
}

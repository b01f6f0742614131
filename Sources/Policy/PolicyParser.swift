import Foundation
import Yams

/// Walks a composed YAML tree into a ``PrivacyPolicy``, collecting every problem with its position instead of
/// stopping at the first.
///
/// Readers return neutral placeholders (empty text, `false`, nil) for values that are missing or malformed, so
/// later checks can still run; the caller discards the result when ``issues`` is not empty.
struct PolicyParser {
    /// The file name used in issues.
    let file: String
    /// Problems found so far, in discovery order.
    private(set) var issues: [PolicyIssue] = []

    /// Creates a parser for one file.
    init(file: String) {
        self.file = file
    }

    /// Records a problem at a position (the start of the file when the position is unknown).
    mutating func report(_ message: String, at mark: Mark?) {
        issues.append(
            PolicyIssue(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    /// Opens a mapping, reporting keys that are not in `allowed`.
    /// - Parameters:
    ///   - node: The node that should be a mapping.
    ///   - place: How to name it; an item's id is filled in from `idKey` when present.
    ///   - allowed: The keys it may have.
    ///   - idKey: The key holding the item's id, used to name the item in messages.
    /// - Returns: The entries, or nil (reported) when the node is not a mapping.
    mutating func entries(_ node: Node, place: Place, allowed: [String], idKey: String? = nil) -> Entries? {
        guard case .mapping(let mapping) = node else {
            report("\(place.name) must be a mapping of keys and values (key: value)", at: node.mark)
            return nil
        }
        var place = place
        if let idKey, case .item(let kind, _, let index) = place,
            let id = mapping[idKey]?.scalar?.string, !id.isEmpty
        {
            place = .item(kind: kind, id: id, index: index)
        }
        var values: [String: Node] = [:]
        var keys: [(name: String, mark: Mark?)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                report("keys in \(place.name) must be plain words, not lists or mappings", at: key.mark)
                continue
            }
            keys.append((scalar.string, key.mark))
            guard allowed.contains(scalar.string) else {
                report(unknownKeyMessage(scalar.string, in: place, allowed: allowed), at: key.mark)
                continue
            }
            values[scalar.string] = value
        }
        return Entries(mark: node.mark, place: place, values: values, keys: keys)
    }

    /// The message for a key that is not allowed, suggesting the closest allowed key.
    private func unknownKeyMessage(_ key: String, in place: Place, allowed: [String]) -> String {
        let location = place == .root ? "unknown top-level key '\(key)'" : "unknown key '\(key)' in \(place.name)"
        if let suggestion = Self.closest(to: key, in: allowed) {
            return "\(location); did you mean '\(suggestion)'?"
        }
        return "\(location); valid keys are: \(allowed.joined(separator: ", "))"
    }

    /// The allowed key a typo most likely meant: same letters ignoring case and underscores, or at most two edits.
    static func closest(to key: String, in allowed: [String]) -> String? {
        func folded(_ text: String) -> String { text.lowercased().replacingOccurrences(of: "_", with: "") }
        if let match = allowed.first(where: { folded($0) == folded(key) }) { return match }
        let scored = allowed.map { ($0, editDistance(folded(key), folded($0))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance between two short strings.
    private static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let left = Array(lhs)
        let right = Array(rhs)
        guard !left.isEmpty else { return right.count }
        guard !right.isEmpty else { return left.count }
        var previous = Array(0...right.count)
        for (i, leftCharacter) in left.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: right.count)
            for (j, rightCharacter) in right.enumerated() {
                let substitution = previous[j] + (leftCharacter == rightCharacter ? 0 : 1)
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, substitution)
            }
            previous = current
        }
        return previous[right.count]
    }

    /// Whether a node is YAML's null (`~`, `null` or nothing after the colon).
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The value of a key, treating null as absent; reports a missing required key.
    private mutating func value(_ key: String, in entries: Entries, required: Bool) -> Node? {
        guard let node = entries.values[key], !Self.isNull(node) else {
            if required {
                report("\(entries.place.name) is missing the required key '\(key)'", at: entries.mark)
            }
            return nil
        }
        return node
    }

    /// Reads a text value; numbers and booleans are taken as written.
    /// - Returns: The text, or nil when absent, empty or not a scalar (reported when required or malformed).
    mutating func text(_ key: String, in entries: Entries, required: Bool = true) -> String? {
        guard let node = value(key, in: entries, required: required) else { return nil }
        guard case .scalar(let scalar) = node else {
            report("\(entries.place.field(key)) must be text, not a list or mapping", at: node.mark)
            return nil
        }
        let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            report("\(entries.place.field(key)) must not be empty", at: node.mark)
            return nil
        }
        return text
    }

    /// Reads a whole number.
    /// - Parameter example: A sensible value to show in the message when the number is malformed.
    /// - Returns: The number, or nil when absent or malformed (reported when required or malformed).
    mutating func number(_ key: String, in entries: Entries, required: Bool = true, example: Int = 30) -> Int? {
        guard let node = value(key, in: entries, required: required) else { return nil }
        guard case .scalar(let scalar) = node, let number = Int(scalar.string.trimmingCharacters(in: .whitespaces))
        else {
            let found = node.scalar.map { " (found '\($0.string)')" } ?? ""
            report("\(entries.place.field(key)) must be a whole number, e.g. \(key): \(example)\(found)", at: node.mark)
            return nil
        }
        return number
    }

    /// Reads a number of days, which must be at least 1.
    /// - Returns: The number, or nil when absent, malformed or below 1 (reported).
    mutating func days(_ key: String, in entries: Entries, required: Bool = true) -> Int? {
        guard let days = number(key, in: entries, required: required) else { return nil }
        guard days >= 1 else {
            report("\(entries.place.field(key)) must be at least 1 day (it is \(days))", at: entries.mark(of: key))
            return nil
        }
        return days
    }

    /// Reads `true` or `false` (`yes` and `no` are accepted too).
    /// - Parameter fallback: The value when the key is absent; nil makes the key required.
    /// - Returns: The value, or nil when required and absent or when malformed (reported).
    mutating func flag(_ key: String, in entries: Entries, default fallback: Bool? = nil) -> Bool? {
        guard let node = value(key, in: entries, required: fallback == nil) else { return fallback }
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else {
            report("\(entries.place.field(key)) must be true or false", at: node.mark)
            return nil
        }
        switch scalar.string.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            report("\(entries.place.field(key)) must be true or false (found '\(scalar.string)')", at: node.mark)
            return nil
        }
    }

    /// Reads a list; null counts as an empty list.
    /// - Returns: The elements, or nil when absent or not a list (reported when required or malformed).
    mutating func list(_ key: String, in entries: Entries, required: Bool = true) -> [Node]? {
        guard let node = entries.values[key] else {
            if required {
                report("\(entries.place.name) is missing the required key '\(key)'", at: entries.mark)
            }
            return nil
        }
        if Self.isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            report(
                "\(entries.place.field(key)) must be a list, one '- ' entry per line or [a, b] on one line",
                at: node.mark)
            return nil
        }
        return Array(sequence)
    }

    /// Reads a list of texts.
    /// - Parameter nonEmpty: Whether an empty list is a problem.
    /// - Returns: The texts (malformed entries left out and reported), or nil when absent or not a list.
    mutating func texts(_ key: String, in entries: Entries, required: Bool = true, nonEmpty: Bool = false)
        -> [String]?
    {
        guard let nodes = list(key, in: entries, required: required) else { return nil }
        if nonEmpty && nodes.isEmpty {
            report("\(entries.place.field(key)) must list at least one entry", at: entries.mark(of: key))
        }
        var texts: [String] = []
        for node in nodes {
            guard case .scalar(let scalar) = node, !Self.isNull(node) else {
                report("every entry of \(entries.place.field(key)) must be text", at: node.mark)
                continue
            }
            texts.append(scalar.string.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return texts
    }

    /// Reads one of a fixed set of words.
    /// - Parameter noun: What the value is, for the message, e.g. "a legal basis".
    /// - Returns: The value, or nil when absent or not one of the allowed words (reported).
    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String, in entries: Entries, as type: Choice.Type, noun: String
    ) -> Choice? where Choice.RawValue == String {
        guard let text = text(key, in: entries) else { return nil }
        guard let value = Choice(rawValue: text) else {
            let valid = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            report(
                "\(entries.place.field(key)) is '\(text)', which is not \(noun); use one of: \(valid)",
                at: entries.mark(of: key))
            return nil
        }
        return value
    }

    /// Reads an id: lowercase letters, digits and underscores, starting with a letter.
    /// - Returns: The id, or nil when absent or malformed (reported).
    mutating func identifier(_ key: String, in entries: Entries) -> String? {
        guard let id = text(key, in: entries) else { return nil }
        guard Self.isIdentifier(id) else {
            report(
                "\(entries.place.field(key)) is '\(id)', which is not a valid id; use lowercase letters, digits "
                    + "and underscores, starting with a letter (e.g. '\(Self.suggestedIdentifier(for: id))')",
                at: entries.mark(of: key))
            return nil
        }
        return id
    }

    /// Whether text is a lowercase snake_case id.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// A snake_case version of malformed id text, to show as an example.
    private static func suggestedIdentifier(for text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if ("A"..."Z").contains(scalar) {
                if !result.isEmpty && !result.hasSuffix("_") { result += "_" }
                result += String(scalar).lowercased()
            } else if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else if !result.isEmpty && !result.hasSuffix("_") {
                result += "_"
            }
        }
        while result.hasSuffix("_") { result.removeLast() }
        while let first = result.unicodeScalars.first, !("a"..."z").contains(first) { result.removeFirst() }
        return result.isEmpty ? "my_id" : result
    }
}

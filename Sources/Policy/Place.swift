/// Where a mapping sits in the policy file, used to name it in messages.
enum Place: Equatable {
    /// The top level of the file.
    case root
    /// A top-level section that is a single mapping, such as `controller`.
    case section(String)
    /// An entry of a top-level list; `id` is nil until the entry's id is known.
    case item(kind: String, id: String?, index: Int)

    /// The mapping as the subject of a sentence: "the policy", "'controller'", "purpose 'newsletter'".
    var name: String {
        switch self {
        case .root: "the policy"
        case .section(let key): "'\(key)'"
        case .item("retention rule", let id?, _): "retention rule for '\(id)'"
        case .item(let kind, let id?, _): "\(kind) '\(id)'"
        case .item(let kind, nil, let index): "\(kind) #\(index + 1)"
        }
    }

    /// A key inside the mapping: "'version'", "'controller.email'", "'legalBasis' of purpose 'newsletter'".
    func field(_ key: String) -> String {
        switch self {
        case .root: "'\(key)'"
        case .section(let section): "'\(section).\(key)'"
        case .item: "'\(key)' of \(name)"
        }
    }
}

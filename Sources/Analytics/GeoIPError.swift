/// Why a GeoIP file could not be opened: which file (nil when the bytes came from memory) and what is wrong with it.
public enum GeoIPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read, e.g. "No such file or directory".
    case unreadable(path: String, reason: String)
    /// The bytes are not a MaxMind DB file, e.g. "metadata marker not found".
    case notMaxMindDB(path: String?, reason: String)
    /// A MaxMind DB file this reader does not handle, e.g. "record size 40 (24, 28 or 32 expected)".
    case unsupported(path: String?, reason: String)
    /// A MaxMind DB file whose parts contradict each other, e.g. a search tree larger than the file.
    case corrupt(path: String?, reason: String)

    /// The file, then the problem, e.g. "GeoIP file /var/lib/geo.mmdb: not a MaxMind DB file: metadata marker not
    /// found".
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "GeoIP file \(path): cannot be read: \(reason)"
        case .notMaxMindDB(let path, let reason): "\(Self.source(path)): not a MaxMind DB file: \(reason)"
        case .unsupported(let path, let reason): "\(Self.source(path)): unsupported MaxMind DB file: \(reason)"
        case .corrupt(let path, let reason): "\(Self.source(path)): corrupt MaxMind DB file: \(reason)"
        }
    }

    /// "GeoIP file PATH", or "GeoIP data" for bytes read from memory.
    private static func source(_ path: String?) -> String {
        path.map { "GeoIP file \($0)" } ?? "GeoIP data"
    }
}

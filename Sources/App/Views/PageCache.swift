import Foundation
import Synchronization

/// Rendered anonymous pages, by template, content key and layout variant. Bounded: when full it starts over.
final class PageCache: Sendable {
    /// Stands for the request's CSRF token in a cached page (never valid as a token itself).
    static let csrfPlaceholder = "\u{1}csrf\u{1}"

    private let entries = Mutex<[String: String]>([:])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func get(_ key: String) -> String? {
        entries.withLock { $0[key] }
    }

    func set(_ key: String, _ html: String) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = html
        }
    }
}

/// The year shown in footers, recomputed when an hour has passed.
final class YearCache: Sendable {
    static let shared = YearCache()

    private let state = Mutex<(year: String, computedAt: Date)>(("", .distantPast))

    var year: String {
        state.withLock { state in
            let now = Date()
            if now.timeIntervalSince(state.computedAt) > 3600 {
                state = (String(Calendar(identifier: .gregorian).component(.year, from: now)), now)
            }
            return state.year
        }
    }
}

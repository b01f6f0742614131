import Foundation
import NIOCore
import Synchronization

/// Rendered anonymous pages, by template, content key and layout variant. Bounded: when full it starts over.
final class PageCache: Sendable {
    /// Stands for the request's CSRF token in a cached page (never valid as a token itself).
    static let csrfPlaceholder = "\u{1}csrf\u{1}"

    /// Each page is kept as the text between its CSRF tokens.
    private let entries = Mutex<[String: [String]]>([:])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func get(_ key: String) -> [String]? {
        entries.withLock { $0[key] }
    }

    func set(_ key: String, _ segments: [String]) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = segments
        }
    }

    /// The page with `token` between its segments, written straight into one buffer.
    static func assemble(_ segments: [String], token: String) -> ByteBuffer {
        let size = segments.reduce(0) { $0 + $1.utf8.count } + token.utf8.count * max(0, segments.count - 1)
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        for (index, segment) in segments.enumerated() {
            if index > 0 { buffer.writeString(token) }
            buffer.writeString(segment)
        }
        return buffer
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

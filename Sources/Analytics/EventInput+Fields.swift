extension EventInput {
    /// The longest page URL, referrer or link accepted, in bytes.
    static let maximumURLLength = 2000
    /// The longest path kept, in characters.
    static let maximumPathLength = 500
    /// The widest screen accepted, in CSS pixels.
    static let maximumScreenWidth = 20000
    /// The longest engagement accepted: a day, in milliseconds.
    static let maximumDuration = 86_400_000
    /// The longest custom event name, in characters.
    static let maximumNameLength = 120
    /// The most properties a custom event may carry.
    static let maximumPropertyCount = 30
    /// The longest property key, in characters.
    static let maximumPropertyKeyLength = 40
    /// The longest property value, in characters.
    static let maximumPropertyValueLength = 200

    /// The raw values of the keys an event body may carry, before validation.
    struct Fields {
        /// "t", the kind.
        var kind: JSONValue?
        /// "u", the page URL.
        var url: JSONValue?
        /// "r", the referrer.
        var referrer: JSONValue?
        /// "w", the screen width.
        var screenWidth: JSONValue?
        /// "d", the engaged milliseconds.
        var duration: JSONValue?
        /// "l", the outbound link.
        var link: JSONValue?
        /// "n", the custom event's name.
        var name: JSONValue?
        /// "p", the custom event's properties.
        var properties: JSONValue?

        /// The event the values describe.
        /// - Throws: `EventInputError` naming the first field that is missing or wrong.
        func validated() throws(EventInputError) -> EventInput {
            guard case .string(let kindText) = kind.flatMap(Self.present) else {
                throw EventInputError(field: "t", message: "required")
            }
            guard let kind = Kind(rawValue: kindText) else {
                throw EventInputError(field: "t", message: "must be one of pageview, engagement, outbound, event")
            }
            guard case .string(let url) = self.url.flatMap(Self.present) else {
                throw EventInputError(field: "u", message: "required")
            }
            let page = try Self.webURL(url, field: "u")
            var input = EventInput(
                kind: kind, url: url, path: Self.cut(page.path, to: maximumPathLength), host: page.host,
                referrer: try Self.referrer(referrer),
                screenWidth: try Self.wholeNumber(
                    screenWidth, field: "w", upTo: maximumScreenWidth,
                    message: "must be a whole number of pixels from 0 to \(maximumScreenWidth)"))
            switch kind {
            case .pageview:
                break
            case .engagement:
                input.durationMS = try Self.wholeNumber(
                    duration, field: "d", upTo: maximumDuration,
                    message: "must be a whole number of milliseconds from 0 to \(maximumDuration)")
                guard input.durationMS != nil else { throw EventInputError(field: "d", message: "required") }
            case .outbound:
                guard case .string(let link) = self.link.flatMap(Self.present) else {
                    throw EventInputError(field: "l", message: "required")
                }
                _ = try Self.webURL(link, field: "l")
                input.link = link
            case .event:
                input.name = try Self.name(name)
                input.properties = try Self.properties(properties)
            }
            return input
        }

        /// The value unless it is null: an explicit null counts as absent.
        private static func present(_ value: JSONValue) -> JSONValue? {
            value == .null ? nil : value
        }

        /// The parts of an absolute http(s) URL of at most 2000 bytes.
        /// - Throws: `EventInputError` for `field` when the URL is too long or not an absolute http(s) URL.
        private static func webURL(_ text: String, field: String) throws(EventInputError) -> URLParts {
            guard text.utf8.count <= maximumURLLength else {
                throw EventInputError(field: field, message: "longer than \(maximumURLLength) bytes")
            }
            guard let parts = URLParts(text), parts.scheme != .androidApp else {
                throw EventInputError(field: field, message: "not an absolute http(s) URL")
            }
            return parts
        }

        /// The referrer: "" when absent, null or empty, else an absolute http(s) or android-app URL.
        private static func referrer(_ value: JSONValue?) throws(EventInputError) -> String {
            switch value.flatMap(present) {
            case nil:
                return ""
            case .string(let text):
                if text.isEmpty { return "" }
                guard text.utf8.count <= maximumURLLength else {
                    throw EventInputError(field: "r", message: "longer than \(maximumURLLength) bytes")
                }
                guard URLParts(text) != nil else {
                    throw EventInputError(field: "r", message: "not an absolute http(s) or android-app URL")
                }
                return text
            default:
                throw EventInputError(field: "r", message: "must be a string")
            }
        }

        /// A whole number from 0 to `maximum`, or nil when absent or null; "15234.0" counts as whole.
        /// - Throws: `EventInputError` with `message` for `field` when the value is not such a number.
        private static func wholeNumber(
            _ value: JSONValue?, field: String, upTo maximum: Int, message: String
        ) throws(EventInputError) -> Int? {
            switch value.flatMap(present) {
            case nil:
                return nil
            case .number(let text):
                if let whole = Int(text), (0...maximum).contains(whole) {
                    return whole
                }
                if let real = Double(text), real.rounded() == real, (0...Double(maximum)).contains(real) {
                    return Int(real)
                }
                throw EventInputError(field: field, message: message)
            default:
                throw EventInputError(field: field, message: message)
            }
        }

        /// The custom event's name: 1…120 characters without control characters.
        private static func name(_ value: JSONValue?) throws(EventInputError) -> String {
            guard case .string(let name) = value.flatMap(present) else {
                throw EventInputError(field: "n", message: "required")
            }
            guard !name.isEmpty, name.count <= maximumNameLength else {
                throw EventInputError(field: "n", message: "must be 1 to \(maximumNameLength) characters")
            }
            guard !hasControlCharacter(name) else {
                throw EventInputError(field: "n", message: "must not contain control characters")
            }
            return name
        }

        /// The custom event's properties: a flat object of strings, numbers and booleans (nulls dropped).
        private static func properties(_ value: JSONValue?) throws(EventInputError) -> [String: String] {
            let members: [(key: String, value: JSONValue)]
            switch value.flatMap(present) {
            case nil: return [:]
            case .object(let object): members = object
            default: throw EventInputError(field: "p", message: "must be an object")
            }
            var properties: [String: String] = [:]
            for (key, value) in members {
                guard !key.isEmpty, key.count <= maximumPropertyKeyLength, !hasControlCharacter(key) else {
                    throw EventInputError(
                        field: "p",
                        message: "keys must be 1 to \(maximumPropertyKeyLength) characters without control characters")
                }
                let text: String
                switch value {
                case .string(let string): text = string
                case .number(let number): text = number
                case .bool(let bool): text = bool ? "true" : "false"
                case .null:
                    properties[key] = nil
                    continue
                case .object, .array:
                    throw EventInputError(field: "p.\(key)", message: "must be a string, number or boolean")
                }
                guard text.count <= maximumPropertyValueLength else {
                    throw EventInputError(
                        field: "p.\(key)", message: "longer than \(maximumPropertyValueLength) characters")
                }
                properties[key] = text
                guard properties.count <= maximumPropertyCount else {
                    throw EventInputError(field: "p", message: "at most \(maximumPropertyCount) properties")
                }
            }
            return properties
        }

        /// Whether `text` holds a control character.
        private static func hasControlCharacter(_ text: String) -> Bool {
            text.unicodeScalars.contains { $0.isControl }
        }

        /// `text` cut to at most `length` characters.
        private static func cut(_ text: String, to length: Int) -> String {
            text.utf8.count <= length ? text : String(text.prefix(length))
        }
    }
}

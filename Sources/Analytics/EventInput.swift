/// One event sent by the analytics script, parsed and validated: what happened, on which page, from where.
///
/// The script POSTs a small JSON object as `text/plain` (so `sendBeacon` needs no preflight), e.g.
/// `{"t":"pageview","u":"https://site/path?q#h","r":"https://ref/","w":1280}`,
/// `{"t":"engagement","u":"…","d":15234}`, `{"t":"outbound","u":"…","l":"https://other/x"}` or
/// `{"t":"event","u":"…","n":"Signup","p":{"plan":"pro"}}`.
public struct EventInput: Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable {
        /// A page was viewed.
        case pageview
        /// The visitor left or hid a page after being engaged with it for some time.
        case engagement
        /// The visitor followed a link to another site.
        case outbound
        /// A custom event named by the site, e.g. "Signup".
        case event
    }

    /// What happened ("t").
    public var kind: Kind
    /// The page's absolute http(s) URL as sent ("u"), at most 2000 bytes.
    public var url: String
    /// The page's path without query or fragment ("/" when empty, a trailing slash kept as sent), cut to
    /// 500 characters.
    public var path: String
    /// The page's host, lower-cased, without port.
    public var host: String
    /// The referrer ("r"): "" or an absolute http(s) or android-app URL of at most 2000 bytes.
    public var referrer: String
    /// The screen width in CSS pixels ("w"), 0…20000; nil when not sent.
    public var screenWidth: Int?
    /// For engagement events (required there), the engaged time in milliseconds ("d"), 0…86_400_000.
    public var durationMS: Int?
    /// For outbound events (required there), the absolute http(s) URL of the link followed ("l").
    public var link: String?
    /// For custom events (required there), the event's name ("n"): 1…120 characters, no control characters.
    public var name: String?
    /// For custom events, their properties ("p"): at most 30, keys of 1…40 characters, values of at most
    /// 200 characters; numbers and booleans are kept as written, nulls are dropped.
    public var properties: [String: String]

    /// Creates an event from its parts, unchecked.
    public init(
        kind: Kind, url: String, path: String, host: String, referrer: String = "", screenWidth: Int? = nil,
        durationMS: Int? = nil, link: String? = nil, name: String? = nil, properties: [String: String] = [:]
    ) {
        self.kind = kind
        self.url = url
        self.path = path
        self.host = host
        self.referrer = referrer
        self.screenWidth = screenWidth
        self.durationMS = durationMS
        self.link = link
        self.name = name
        self.properties = properties
    }

    /// Parses and validates a body; unknown top-level keys, and keys that do not belong to the event's kind, are
    /// ignored.
    /// - Parameters:
    ///   - body: The request body, UTF-8 JSON.
    ///   - maxBytes: The largest body accepted.
    /// - Returns: The event.
    /// - Throws: `EventInputError` whose description names the field and what is wrong
    ///   ("u: not an absolute http(s) URL", "d: must be a whole number of milliseconds from 0 to 86400000", …).
    public static func parse(_ body: [UInt8], maxBytes: Int = 4096) throws(EventInputError) -> EventInput {
        guard body.count <= maxBytes else {
            throw EventInputError(field: "body", message: "larger than \(maxBytes) bytes")
        }
        guard case .object(let members) = try JSONReader.read(body) else {
            throw EventInputError(field: "body", message: "not a JSON object")
        }
        var fields = Fields()
        // A repeated key counts once, with its last value, as in JavaScript's JSON.parse.
        for (key, value) in members {
            switch key {
            case "t": fields.kind = value
            case "u": fields.url = value
            case "r": fields.referrer = value
            case "w": fields.screenWidth = value
            case "d": fields.duration = value
            case "l": fields.link = value
            case "n": fields.name = value
            case "p": fields.properties = value
            default: continue
            }
        }
        return try fields.validated()
    }
}

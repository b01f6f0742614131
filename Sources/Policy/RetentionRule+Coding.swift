extension RetentionRule.Kind {
    /// Keys of the flat encoding, which mirrors the policy file (`kind: until_event`, `event`, `thenMaxDays`, …).
    private enum CodingKeys: String, CodingKey {
        case kind
        case event
        case thenMaxDays
        case days
        case reason
    }

    /// Decodes the flat form written by ``encode(to:)``.
    /// - Throws: `DecodingError` when the kind is unknown or a parameter is missing.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "until_event":
            self = .untilEvent(
                event: try container.decode(String.self, forKey: .event),
                thenMaxDays: try container.decode(Int.self, forKey: .thenMaxDays))
        case "days_after_collection":
            self = .daysAfterCollection(try container.decode(Int.self, forKey: .days))
        case "legal_hold":
            self = .legalHold(reason: try container.decode(String.self, forKey: .reason))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "unknown retention kind '\(kind)'")
        }
    }

    /// Encodes the rule flat, e.g. `{"kind": "days_after_collection", "days": 90}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .untilEvent(let event, let thenMaxDays):
            try container.encode("until_event", forKey: .kind)
            try container.encode(event, forKey: .event)
            try container.encode(thenMaxDays, forKey: .thenMaxDays)
        case .daysAfterCollection(let days):
            try container.encode("days_after_collection", forKey: .kind)
            try container.encode(days, forKey: .days)
        case .legalHold(let reason):
            try container.encode("legal_hold", forKey: .kind)
            try container.encode(reason, forKey: .reason)
        }
    }
}

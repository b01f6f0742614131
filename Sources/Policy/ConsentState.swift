/// What one person has agreed to, as far as a consent decision needs to know.
public struct ConsentState: Sendable, Equatable {
    /// The latest record per purpose or recipient id.
    public var grants: [String: ConsentGrant]
    /// Whether the request carries `Sec-GPC: 1` (Global Privacy Control).
    public var globalPrivacyControl: Bool

    /// Creates a state.
    public init(grants: [String: ConsentGrant] = [:], globalPrivacyControl: Bool = false) {
        self.grants = grants
        self.globalPrivacyControl = globalPrivacyControl
    }
}

/// A one-time message shown after a redirect, kept in a short-lived cookie by key (never free text).
public enum Flash: String, Sendable, CaseIterable {
    case registered
    case verified
    case verificationSent
    case signedIn
    case signedOut
    case profileSaved
    case passwordChanged
    case emailChangeSent
    case emailChanged
    case passwordReset
    case accountDeleted
    case staffInvited
    case secondFactorEnabled

    /// success, info or error.
    public var kind: String {
        switch self {
        case .verificationSent, .emailChangeSent: "info"
        default: "success"
        }
    }

    /// The message shown.
    public var message: String {
        switch self {
        case .registered: "Welcome! Your account is ready."
        case .verified: "Your e-mail address is confirmed."
        case .verificationSent: "We sent you a new confirmation link."
        case .signedIn: "You are signed in."
        case .signedOut: "You are signed out."
        case .profileSaved: "Your details were saved."
        case .passwordChanged: "Your password was changed. You were signed out everywhere else."
        case .emailChangeSent: "We sent a confirmation link to your new address. Your e-mail changes once you open it."
        case .emailChanged: "Your e-mail address was changed."
        case .passwordReset: "Your password was reset. You can log in with the new one."
        case .accountDeleted: "Your account was deleted. Nothing of it is left readable."
        case .staffInvited: "The invitation was sent."
        case .secondFactorEnabled: "Two-factor sign-in is on."
        }
    }
}

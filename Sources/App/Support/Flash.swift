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
    case subscriptionsSaved
    case listCreated
    case campaignSaved
    case campaignScheduled
    case campaignStarted
    case campaignPaused
    case campaignResumed
    case campaignCancelled
    case testSent
    case updatePublished

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
        case .subscriptionsSaved: "Your e-mail choices were saved."
        case .listCreated: "The list was created."
        case .campaignSaved: "The campaign was saved."
        case .campaignScheduled: "The campaign is scheduled."
        case .campaignStarted: "Sending has started."
        case .campaignPaused: "The campaign is paused. Messages already on their way still arrive."
        case .campaignResumed: "Sending resumed where it stopped."
        case .campaignCancelled: "The campaign is cancelled. Nothing more will be sent."
        case .testSent: "A test message is on its way to your address."
        case .updatePublished: "The update is published."
        }
    }
}

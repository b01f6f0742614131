import Foundation

/// A member's personal details, as typed and shown (the repository seals them at rest).
struct MemberProfile: Sendable, Equatable {
    var name: String
    var street: String
    var postalCode: String
    var city: String
    var country: String
    var extra: String
}

/// A member account, opened.
struct Member: Sendable {
    let id: String
    let subjectID: String
    var email: String
    var profile: MemberProfile
    let passwordHash: String
    let emailVerifiedAt: Int64?
    let pendingEmail: String?
    let createdAt: Int64

    var isVerified: Bool { emailVerifiedAt != nil }
}

/// One line of the security log, opened.
struct SecurityEvent: Sendable {
    let kind: String
    let ip: String
    let userAgent: String
    let createdAt: Int64
}

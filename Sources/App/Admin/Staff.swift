/// A staff role. Each console page declares the roles that may see it (least privilege).
public enum StaffRole: String, Sendable, CaseIterable {
    case owner
    case privacyOfficer = "privacy_officer"
    case editor

    /// How the role is shown.
    var label: String {
        switch self {
        case .owner: "Owner"
        case .privacyOfficer: "Privacy officer"
        case .editor: "Editor"
        }
    }
}

/// A staff member, opened.
struct StaffMember: Sendable {
    let id: String
    let subjectID: String
    let email: String
    let name: String
    let role: StaffRole
    let passwordHash: String
    let totpSecret: String?
    let totpEnabled: Bool
    let totpLastStep: Int64?
    let createdAt: Int64
}

/// A pending invitation, opened.
struct StaffInvite: Sendable {
    let id: String
    let email: String?
    let role: StaffRole
    let expiresAt: Int64
}

/// What can go wrong in the staff console.
enum StaffError: Error, Equatable {
    case invalid([String: String])
    case wrongCredentials
    case invalidInvite
    case wrongCode
}

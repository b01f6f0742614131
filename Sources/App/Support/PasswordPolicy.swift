import Foundation

/// What a new password must be: at least 8 characters and not one of the 10,000 most common passwords.
public struct PasswordPolicy: Sendable {
    private let common: Set<String>

    /// Loads the common-password list (one per line).
    /// - Throws: When the file cannot be read.
    public init(commonPasswordsFile path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        common = Set(text.split(whereSeparator: \.isNewline).map { $0.lowercased() })
    }

    /// Creates a policy from a list (tests).
    public init(common: Set<String>) {
        self.common = Set(common.map { $0.lowercased() })
    }

    /// Why a password is not acceptable, or nil when it is.
    public func problem(with password: String) -> String? {
        if password.count < 8 { return "Use at least 8 characters." }
        if common.contains(password.lowercased()) {
            return "This password is one of the most common ones. Choose another."
        }
        return nil
    }
}

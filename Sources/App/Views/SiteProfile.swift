import Foundation
import Policy

/// The company that runs the site (the data controller), as shown in the header, footer and e-mails.
///
/// Its facts come from the live policy, so the footer and the policy can never disagree.
public struct SiteProfile: Sendable {
    public var name: String
    public var tagline: String
    public var street: String
    public var postalCode: String
    public var city: String
    public var country: String
    public var email: String

    /// The controller named by a policy.
    init(policy: PrivacyPolicy) {
        name = policy.controller.name
        tagline = "Customer conversations, handled with care"
        street = policy.controller.street
        postalCode = policy.controller.postalCode
        city = policy.controller.city
        country = policy.controller.country
        email = policy.controller.email
    }
}

import Foundation

/// The company that runs the site (the data controller), as shown in the header, footer and e-mails.
///
/// The policy file will supply these facts; until then the demo company's are built in.
public struct SiteProfile: Sendable {
    public var name: String
    public var tagline: String
    public var street: String
    public var postalCode: String
    public var city: String
    public var country: String
    public var email: String

    /// The demo site Steward ships with.
    public static let demo = SiteProfile(
        name: "7Contact Solutions",
        tagline: "Customer conversations, handled with care",
        street: "Example Street 1",
        postalCode: "1000",
        city: "Brussels",
        country: "Belgium",
        email: "privacy@7contact.example"
    )
}

/// The organisation responsible for the personal data (the GDPR's "controller") and how to reach it.
public struct Controller: Sendable, Equatable, Codable {
    /// The legal name.
    public var name: String
    /// Street and number.
    public var street: String
    /// Postal code, kept as text (it may have leading zeros or letters).
    public var postalCode: String
    /// Town or city.
    public var city: String
    /// Country name.
    public var country: String
    /// The e-mail address for privacy questions.
    public var email: String
    /// The website address, if given.
    public var website: String?

    /// Creates controller details.
    public init(
        name: String, street: String, postalCode: String, city: String, country: String, email: String,
        website: String? = nil
    ) {
        self.name = name
        self.street = street
        self.postalCode = postalCode
        self.city = city
        self.country = country
        self.email = email
        self.website = website
    }
}

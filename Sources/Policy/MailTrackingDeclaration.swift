/// Open and click tracking in campaign e-mails: the consent that allows it and the category its records belong to.
///
/// Without this declaration tracking is off for every campaign. With it, a campaign may switch tracking on, and
/// it then applies only to recipients who hold consent for ``purpose``; the records are kept as long as the
/// retention rule of ``category`` says.
public struct MailTrackingDeclaration: Sendable, Equatable, Codable {
    /// The id of the consent purpose that allows tracking a recipient's opens and clicks.
    public var purpose: String
    /// The id of the data category the open and click records belong to (it gives their retention).
    public var category: String

    /// Creates the declaration.
    public init(purpose: String, category: String) {
        self.purpose = purpose
        self.category = category
    }
}

extension PolicyDiff {
    /// Compares two lists item by item, matched by id.
    /// - Parameters:
    ///   - added: The change for an item only in the new list.
    ///   - changed: The change for an item in both lists, or nil when it did not change.
    ///   - removed: The change for an item only in the old list.
    /// - Returns: Changes in the new list's order, then removals in the old list's order.
    static func compare<Item>(
        _ old: [Item], _ new: [Item], id: (Item) -> String, added: (Item) -> Change,
        changed: (Item, Item) -> Change?, removed: (Item) -> Change
    ) -> [Change] {
        var oldByID: [String: Item] = [:]
        for item in old where oldByID[id(item)] == nil { oldByID[id(item)] = item }
        let newIDs = Set(new.map(id))
        var changes: [Change] = []
        for item in new {
            if let previous = oldByID[id(item)] {
                if let change = changed(previous, item) { changes.append(change) }
            } else {
                changes.append(added(item))
            }
        }
        return changes + old.filter { !newIDs.contains(id($0)) }.map(removed)
    }

    /// The ids of consent purposes and consent-requiring recipients whose meaning changed; see
    /// ``changedConsentPurposes``.
    static func changedConsentItems(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [String] {
        var ids: [String] = []
        for purpose in new.purposes where purpose.requiresConsent {
            guard let previous = old.purpose(purpose.id) else { continue }
            if !previous.requiresConsent || previous.description != purpose.description
                || previous.legalBasis != purpose.legalBasis
                || Set(previous.categories) != Set(purpose.categories)
                || sharing(of: previous, in: old) != sharing(of: purpose, in: new)
            {
                ids.append(purpose.id)
            }
        }
        for recipient in new.recipients where recipient.requiresConsent {
            guard let previous = old.recipient(recipient.id) else { continue }
            if !previous.requiresConsent || previous.purpose != recipient.purpose || previous.role != recipient.role
                || Set(previous.receives) != Set(recipient.receives)
                || previous.serves.map(Set.init) != recipient.serves.map(Set.init)
                || previous.transfersOutsideEEA != recipient.transfersOutsideEEA
            {
                ids.append(recipient.id)
            }
        }
        return ids
    }

    /// What a purpose's data is shared with, as far as its consent covers it: each recipient serving it that does
    /// not ask for its own consent, with the recipient's role and EEA transfers.
    private static func sharing(of purpose: Purpose, in policy: PrivacyPolicy) -> Set<String> {
        Set(
            policy.recipients(serving: purpose.id).filter { !$0.requiresConsent }.map {
                "\($0.id)|\($0.role.rawValue)|\($0.transfersOutsideEEA)"
            })
    }

    /// Whether the banner must ask again; see ``requiresNewCookieChoice``.
    static func cookieChoiceChanged(_ old: PrivacyPolicy, _ new: PrivacyPolicy, changedConsent: [String]) -> Bool {
        func nonEssential(_ policy: PrivacyPolicy) -> [String: CookieDeclaration] {
            Dictionary(
                policy.cookies.filter { !$0.essential }.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        if nonEssential(old) != nonEssential(new) { return true }
        let oldConsent = Set(old.consentPurposes.map(\.id) + old.consentRecipients.map(\.id))
        let newConsent = Set(new.consentPurposes.map(\.id) + new.consentRecipients.map(\.id))
        return oldConsent != newConsent || !changedConsent.isEmpty
    }
}

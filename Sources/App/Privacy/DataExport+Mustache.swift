import Mustache

// data.html renders thousands of rows: named look-ups instead of reflection (Mirror) make it several times faster.
// Every stored property a template can name is listed; a name not listed falls through to the enclosing context,
// as it would with reflection.

extension DataExport.Consent: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "purpose": purpose
        case "purposeName": purposeName
        case "granted": granted
        case "how": how
        case "policyVersion": policyVersion
        case "recordedAt": recordedAt
        default: nil
        }
    }
}

extension DataExport.SecurityEntry: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "event": event
        case "at": at
        case "ipAddress": ipAddress
        case "browser": browser
        default: nil
        }
    }
}

extension DataExport.Session: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "kind": kind
        case "createdAt": createdAt
        case "lastSeenAt": lastSeenAt
        case "expiresAt": expiresAt
        default: nil
        }
    }
}

extension DataExport.Subscription: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "list": list
        case "purpose": purpose
        case "status": status
        case "source": source
        case "consentedAt": consentedAt
        case "confirmedAt": confirmedAt
        default: nil
        }
    }
}

extension DataExport.Delivery: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "campaign": campaign
        case "status": status
        case "sentAt": sentAt
        default: nil
        }
    }
}

extension DataExport.MailEvent: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "campaign": campaign
        case "kind": kind
        case "url": url
        case "times": times
        case "firstAt": firstAt
        case "lastAt": lastAt
        default: nil
        }
    }
}

extension DataExport.Notification: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "policyVersion": policyVersion
        case "mailedAt": mailedAt
        case "acknowledgedAt": acknowledgedAt
        default: nil
        }
    }
}

extension DataExport.Message: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "kind": kind
        case "subject": subject
        case "status": status
        case "createdAt": createdAt
        case "sentAt": sentAt
        default: nil
        }
    }
}

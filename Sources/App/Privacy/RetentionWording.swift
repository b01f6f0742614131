import Foundation
import Policy

/// Plain words for a retention rule: "until you close your account, then at most 365 days".
enum RetentionWording {
    static func describe(_ rule: RetentionRule?) -> String {
        guard let rule else { return "not declared" }
        switch rule.rule {
        case .untilEvent(let event, let days):
            return "until \(eventWords(event)), then at most \(days) days"
        case .daysAfterCollection(let days):
            return "\(days) days after we collect it"
        case .legalHold(let reason):
            return "as long as the law requires (\(reason))"
        }
    }

    static func eventWords(_ event: String) -> String {
        switch event {
        case "account_closure": "you close your account"
        case "unsubscribe": "you unsubscribe"
        case "withdrawal": "you withdraw your consent"
        default: event.replacingOccurrences(of: "_", with: " ")
        }
    }
}

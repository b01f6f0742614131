import Foundation
import SMTP

/// How campaigns are sent: connections, pace, retries and signing.
struct MailingSettings: Sendable {
    /// SMTP connections used at once (and messages in flight).
    var concurrency = 4
    /// Messages per second at most; 0 for no limit.
    var perSecond = 0
    /// Messages per hour at most; 0 for no limit.
    var perHour = 0
    /// The wait before the first retry after a 4xx answer; it doubles with each further attempt.
    var retryFirstDelay: Int64 = 5 * 60 * 1000
    /// The longest wait between retries.
    var retryMaxDelay: Int64 = 6 * 3600 * 1000
    /// After this long since the first attempt, a delivery that keeps getting 4xx answers fails.
    var giveUpAfter: Int64 = 4 * 24 * 3600 * 1000
    /// Deliveries claimed at once.
    var batchSize = 500
    /// How long a claimed delivery belongs to its sender before another instance may take it over (PostgreSQL,
    /// several instances).
    var claimLease: Int64 = 10 * 60 * 1000
    /// Signs every campaign message when set.
    var dkim: DKIMSigner?
    /// The mailbox in the mailto alternative of List-Unsubscribe.
    var unsubscribeMailbox = "unsubscribe@localhost"
}

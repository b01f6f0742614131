import Foundation
import Logging
import Metrics
import NIOCore
import Policy
import SMTP
import SQLKit
import ServiceLifecycle
import Storage
import Synchronization
import Vault

/// Sends campaigns: expands each into durable per-recipient deliveries, then sends them over pooled SMTP
/// connections, recording every outcome before the connection takes its next message.
///
/// Crash safety: a delivery is claimed (`sending`) before it is sent and marked `sent` in a group commit right
/// after the relay accepted it; the connection sends nothing else until that commit is done. After a crash, the
/// instance's claimed deliveries return to the queue, so nobody is skipped and the only messages that can arrive
/// twice are the ones in flight at the crash — at most one per connection. Resent messages keep their Message-ID.
final class CampaignEngine: Sendable {
    let database: Database
    let campaigns: SQLCampaignRepository
    let subscriptions: SubscriptionService
    let keyring: Keyring
    let state: PolicyState
    let renderer: Renderer
    let links: SiteLinks
    let audit: AuditLog
    let clock: any WallClock
    let transport: CampaignTransport
    let settings: MailingSettings
    /// Signs the open pixel and tracked links of recipients who consented to tracking.
    let tracking: MailTrackingSigner
    let from: String
    let domain: String
    /// Names this process's claims, so that after a restart it takes its own claims back at once.
    let node: String
    let logger: Logger
    private let rate: SendRate
    /// Set by ``wake()``; the loop looks for work as soon as it sees it.
    private let woken = Mutex(false)
    /// Where accepted deliveries are written first (see ``SentJournal``).
    let journal: SentJournal
    let spoolDirectory: String
    /// Whether this process has taken back what an earlier run of this instance left.
    private let recovered = Mutex(false)
    /// Serialises journal flushes.
    private let flushes = JournalFlushes()

    init(
        database: Database, campaigns: SQLCampaignRepository, subscriptions: SubscriptionService, keyring: Keyring,
        state: PolicyState, renderer: Renderer, links: SiteLinks, audit: AuditLog, clock: any WallClock,
        transport: CampaignTransport, settings: MailingSettings, tracking: MailTrackingSigner, from: String,
        domain: String, node: String, spoolDirectory: String, logger: Logger
    ) throws {
        self.database = database
        self.campaigns = campaigns
        self.subscriptions = subscriptions
        self.keyring = keyring
        self.state = state
        self.renderer = renderer
        self.links = links
        self.audit = audit
        self.clock = clock
        self.transport = transport
        self.settings = settings
        self.tracking = tracking
        self.from = from
        self.domain = domain
        self.node = node
        self.logger = logger
        self.rate = SendRate(perSecond: settings.perSecond, perHour: settings.perHour)
        self.spoolDirectory = spoolDirectory
        self.journal = try SentJournal(directory: spoolDirectory, node: node)
    }

    /// Asks the running loop to look for work now (a campaign was started).
    func wake() {
        woken.withLock { $0 = true }
    }

    // MARK: Running

    /// Sends due campaigns until cancelled, looking for new work every `interval` or soon after ``wake()``.
    func run(interval: Duration = .seconds(2)) async {
        do {
            try await recoverClaims()
        } catch {
            logger.error("could not take back this instance's claimed deliveries", metadata: ["error": "\(error)"])
        }
        while !Task.isCancelled {
            do {
                try await runDue()
            } catch is CancellationError {
                break
            } catch {
                logger.error("campaign sending failed; trying again", metadata: ["error": "\(error)"])
            }
            var waited: Duration = .zero
            while waited < interval && !Task.isCancelled && !takeWakeUp() {
                try? await Task.sleep(for: .milliseconds(100))
                waited += .milliseconds(100)
            }
        }
        await transport.shutdown()
    }

    /// Whether ``wake()`` was called since the last look (and forgets it).
    private func takeWakeUp() -> Bool {
        woken.withLock { woken in
            defer { woken = false }
            return woken
        }
    }

    /// Takes back what an earlier run of this instance left: first the deliveries its journal says were accepted
    /// are marked sent, then its other claims return to the queue. Done once per process.
    func recoverClaims() async throws {
        guard !recovered.withLock({ $0 }) else { return }
        for leftover in SentJournal.leftovers(directory: spoolDirectory, node: node, except: journal) {
            try await markSent(leftover.ids)
            journal.remove(leftover.path)
            logger.info(
                "replayed the sent journal of an earlier run", metadata: ["deliveries": "\(leftover.ids.count)"])
        }
        let now = clock.milliseconds
        defer { recovered.withLock { $0 = true } }
        try await database.sql.raw(
            """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_at = NULL, updated_at = \(bind: now)
            WHERE status = 'sending' AND claimed_by = \(bind: node)
            """
        ).run()
    }

    /// Works on every due campaign until none has a delivery that can be sent now.
    /// - Parameter only: Limit the work to one campaign (the `campaign send` command).
    func runDue(only: String? = nil) async throws {
        try await recoverClaims()
        let now = clock.milliseconds
        for campaign in try await campaigns.due(now: now) where only == nil || campaign.id == only {
            try Task.checkCancellation()
            if campaign.status == .scheduled {
                try await database.transaction { [campaigns, audit] db in
                    guard
                        try await campaigns.transition(
                            id: campaign.id, from: [.scheduled], to: .sending, now: now, on: db)
                    else { return }
                    try await db.update("campaigns").set("started_at", to: now).where("id", .equal, campaign.id)
                        .run()
                    try await audit.record(
                        "campaign.start", actor: .system, subject: nil, requestID: nil,
                        details: ["campaign": campaign.id, "reason": "scheduled"], on: db)
                }
            }
            try await send(campaignID: campaign.id)
        }
    }

    /// Sends one campaign's due deliveries until none is left, it is paused or cancelled, or only retries that
    /// are not yet due remain.
    func send(campaignID: String) async throws {
        guard var campaign = try await campaigns.find(id: campaignID), campaign.status == .sending else { return }
        guard let list = try await subscriptions.repository.list(id: campaign.listID) else {
            logger.error("campaign list is gone", metadata: ["campaign": "\(campaignID)"])
            return
        }
        if campaign.expandedAt == nil {
            campaign = try await expand(campaign)
        }
        let composer = try CampaignComposer(
            campaign: campaign, list: list, renderer: renderer, from: from, domain: domain, signer: settings.dkim,
            unsubscribeMailbox: settings.unsubscribeMailbox)
        let transport = try transport.prepare(campaignID: campaignID)
        let recorder = DeliveryRecorder(
            database: database, subscriptions: subscriptions, listID: list.id, campaignID: campaignID,
            settings: settings)
        // The journal reaches the database a few times a second while the campaign sends.
        let flusher = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                do { try await flushJournal() } catch {
                    logger.error("journal flush failed", metadata: ["error": "\(error)"])
                }
            }
        }
        defer { flusher.cancel() }
        guard try await campaigns.find(id: campaignID)?.status == .sending else {
            try await flushJournal()
            return
        }
        let finished = try await deliver(
            campaign: campaign, list: list, composer: composer, transport: transport, recorder: recorder)
        if finished {
            try await finishIfDone(campaignID: campaignID)
        }
    }

    /// Writes the journal's accepted deliveries to the database and deletes the file they were in.
    func flushJournal() async throws {
        try await flushes.run { [self] in
            let closed = try journal.rotate()
            try await markSent(closed.ids)
            journal.remove(closed.path)
        }
    }

    /// Marks deliveries sent, in statements of at most 900 ids.
    private func markSent(_ ids: [Int64]) async throws {
        let now = clock.milliseconds
        for start in stride(from: 0, to: ids.count, by: 900) {
            let slice = ids[start..<min(start + 900, ids.count)]
            try await database.sql.raw(
                """
                UPDATE deliveries SET status = 'sent', sent_at = \(bind: now), attempts = attempts + 1,
                    claimed_by = NULL, updated_at = \(bind: now)
                WHERE id IN (\(SQLList(slice.map { SQLBind($0) }))) AND status <> 'sent'
                """
            ).run()
        }
    }

    // MARK: Expansion

    /// Creates one delivery per recipient: confirmed subscribers of the list (members only with a verified
    /// address), narrowed by interests, never a suppressed address. One statement, in one transaction.
    func expand(_ campaign: Campaign) async throws -> Campaign {
        let now = clock.milliseconds
        return try await database.transaction { [campaigns, audit] db in
            guard var current = try await campaigns.find(id: campaign.id, on: db) else { return campaign }
            guard current.expandedAt == nil else { return current }
            var tagFilter: SQLQueryString = ""
            if !current.tags.isEmpty {
                tagFilter =
                    " AND EXISTS (SELECT 1 FROM subscriber_tags t WHERE t.subscriber_id = s.id AND t.tag IN (\(SQLList(current.tags.map { SQLBind($0) }))))"
            }
            let query: SQLQueryString =
                """
                INSERT INTO deliveries (campaign_id, subscriber_id, status, attempts, next_attempt_at, created_at, updated_at)
                SELECT \(bind: current.id), s.id, 'pending', 0, \(bind: now), \(bind: now), \(bind: now)
                FROM subscriptions p
                JOIN subscribers s ON s.id = p.subscriber_id
                LEFT JOIN members m ON m.id = s.member_id
                WHERE p.list_id = \(bind: current.listID) AND p.status = 'active'
                AND (s.member_id IS NULL OR (m.email_verified_at IS NOT NULL AND m.restricted_at IS NULL))
                AND NOT EXISTS (
                    SELECT 1 FROM suppressions x WHERE x.email_index = COALESCE(m.email_index, s.email_index)
                    AND x.list_id IN (\(bind: current.listID), '*'))
                """ + tagFilter + " ORDER BY s.id"
            try await db.raw(query).run()
            let count =
                try await db.raw("SELECT COUNT(*) AS n FROM deliveries WHERE campaign_id = \(bind: current.id)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            current.expandedAt = now
            current.recipients = count
            current.updatedAt = now
            try await db.update("campaigns").set("expanded_at", to: now).set("recipients", to: count)
                .set("updated_at", to: now).where("id", .equal, current.id).run()
            try await audit.record(
                "campaign.expand", actor: .system, subject: nil, requestID: nil,
                details: ["campaign": current.id, "recipients": String(count)], on: db)
            return current
        }
    }

    // MARK: Claiming and loading

    private struct Claimed: Sendable {
        let id: Int64
        let attempts: Int
        let firstAt: Int64
    }

    /// Claims up to a batch of due deliveries for this node, after returning claims that outlived their lease.
    ///
    /// Both statements walk the `deliveries_queue` index and stop at the batch size: no sort, so claiming stays
    /// cheap however large the campaign.
    private func claim(campaignID: String, on db: any SQLDatabase) async throws -> [Claimed] {
        let now = clock.milliseconds
        let stale = now - settings.claimLease
        try await db.raw(
            """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_at = NULL, updated_at = \(bind: now)
            WHERE campaign_id = \(bind: campaignID) AND status = 'sending' AND claimed_at < \(bind: stale)
            """
        ).run()
        let lock: SQLQueryString = database.kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let query: SQLQueryString =
            """
            UPDATE deliveries SET status = 'sending', claimed_by = \(bind: node), claimed_at = \(bind: now),
                updated_at = \(bind: now)
            WHERE id IN (
                SELECT id FROM deliveries WHERE campaign_id = \(bind: campaignID) AND status = 'pending'
                AND next_attempt_at <= \(bind: now) LIMIT \(unsafeRaw: String(settings.batchSize))
            """ + lock + ") RETURNING id, attempts, created_at"
        let rows = try await db.raw(query).all()
        return try rows.map {
            Claimed(
                id: try $0.decode(column: "id", as: Int64.self),
                attempts: try $0.decode(column: "attempts", as: Int.self),
                firstAt: try $0.decode(column: "created_at", as: Int64.self))
        }.sorted { $0.id < $1.id }
    }

    /// A claimed delivery with what sending it needs, or why it must not be sent.
    struct Recipient: Sendable {
        let deliveryID: Int64
        let attempts: Int
        let firstAt: Int64
        let subscriberID: String?
        let email: String?
        let name: String?
        /// Set when the delivery must be dropped instead of sent.
        let dropReason: String?
        /// Whether the message gets the open pixel: the campaign tracks opens and the recipient consented.
        var tracksOpens = false
        /// Whether the message's links are tracked: the campaign tracks clicks and the recipient consented.
        var tracksClicks = false
    }

    /// Reads and opens the recipients of a batch, with their current consent (to the list's purpose and, when the
    /// campaign tracks, to tracking), subscription and suppression.
    private func load(_ claimed: [Claimed], campaign: Campaign, list: MailingList, on db: any SQLDatabase)
        async throws -> [Recipient]
    {
        let ids = claimed.map { SQLBind($0.id) }
        let rows = try await db.raw(
            """
            SELECT d.id AS delivery_id, s.id, s.subject_id, s.member_id, s.email_enc, s.name_enc, s.created_at,
                   k.wrapped_key, m.email_enc AS member_email_enc, m.name_enc AS member_name_enc,
                   m.email_verified_at,
                   (SELECT p.status FROM subscriptions p WHERE p.subscriber_id = s.id AND p.list_id = \(bind: list.id))
                       AS subscription,
                   (SELECT COUNT(*) FROM suppressions x
                    WHERE x.email_index = COALESCE(m.email_index, s.email_index)
                    AND x.list_id IN (\(bind: list.id), '*')) AS suppressed
            FROM deliveries d
            LEFT JOIN subscribers s ON s.id = d.subscriber_id
            LEFT JOIN data_keys k ON k.subject_id = s.subject_id
            LEFT JOIN members m ON m.id = s.member_id
            WHERE d.id IN (\(SQLList(ids)))
            """
        ).all()
        var subjects: [String] = []
        for row in rows {
            if let subject = try row.decode(column: "subject_id", as: String?.self) { subjects.append(subject) }
        }
        let snapshot = state.current
        // Tracking needs the policy's declaration, the campaign's switch and, below, the recipient's consent.
        let trackingPolicy = (campaign.trackOpens || campaign.trackClicks) ? snapshot.policy.mailTracking : nil
        let grants = try await latestGrants(
            purposes: [list.purpose] + (trackingPolicy.map { [$0.purpose] } ?? []), subjects: subjects, on: db)
        let master = keyring.master
        var byID: [Int64: Recipient] = [:]
        let claimedByID = Dictionary(claimed.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for row in rows {
            let deliveryID = try row.decode(column: "delivery_id", as: Int64.self)
            let item = claimedByID[deliveryID]
            func dropped(_ reason: String, _ subscriberID: String? = nil) -> Recipient {
                Recipient(
                    deliveryID: deliveryID, attempts: item?.attempts ?? 0, firstAt: item?.firstAt ?? 0,
                    subscriberID: subscriberID, email: nil, name: nil, dropReason: reason)
            }
            guard let subscriberID = try row.decode(column: "id", as: String?.self),
                let subjectID = try row.decode(column: "subject_id", as: String?.self)
            else {
                byID[deliveryID] = dropped("the subscriber is gone")
                continue
            }
            guard try row.decode(column: "subscription", as: String?.self) == "active" else {
                byID[deliveryID] = dropped("unsubscribed", subscriberID)
                continue
            }
            if try row.decode(column: "suppressed", as: Int.self) > 0 {
                byID[deliveryID] = dropped("suppressed", subscriberID)
                continue
            }
            let consentState = ConsentState(grants: grants[subjectID] ?? [:], globalPrivacyControl: false)
            let decision = snapshot.engine.decide(purpose: list.purpose, category: "contact", state: consentState)
            guard decision.isAllowed else {
                byID[deliveryID] = dropped("no consent for \(list.purpose)", subscriberID)
                continue
            }
            let opened = try RecipientRow(row: row, master: master)
            guard let subscriber = opened.subscriber, !subscriber.email.isEmpty else {
                byID[deliveryID] = dropped("the subscriber's data is erased", subscriberID)
                continue
            }
            // Only members can give tracking consent; a subscriber without an account is never tracked.
            var tracked = false
            if let trackingPolicy, try row.decode(column: "member_id", as: String?.self) != nil {
                tracked =
                    snapshot.engine.decide(
                        purpose: trackingPolicy.purpose, category: trackingPolicy.category, state: consentState
                    ).isAllowed
            }
            byID[deliveryID] = Recipient(
                deliveryID: deliveryID, attempts: item?.attempts ?? 0, firstAt: item?.firstAt ?? 0,
                subscriberID: subscriberID, email: subscriber.email, name: subscriber.name, dropReason: nil,
                tracksOpens: tracked && campaign.trackOpens, tracksClicks: tracked && campaign.trackClicks)
        }
        return claimed.map { byID[$0.id] ?? dropped($0) }
    }

    private func dropped(_ claimed: Claimed) -> Recipient {
        Recipient(
            deliveryID: claimed.id, attempts: claimed.attempts, firstAt: claimed.firstAt, subscriberID: nil,
            email: nil, name: nil, dropReason: "the delivery is gone")
    }

    /// The newest consent record of each of `purposes` for each subject (subject → purpose → grant), in one
    /// query per 900 subjects.
    private func latestGrants(purposes: [String], subjects: [String], on db: any SQLDatabase) async throws -> [String:
        [String: ConsentGrant]]
    {
        var grants: [String: [String: ConsentGrant]] = [:]
        for start in stride(from: 0, to: subjects.count, by: 900) {
            let slice = subjects[start..<min(start + 900, subjects.count)]
            let rows = try await db.raw(
                """
                SELECT subject_id, purpose, granted, policy_version, created_at FROM consent_records
                WHERE purpose IN (\(SQLList(purposes.map { SQLBind($0) })))
                AND subject_id IN (\(SQLList(slice.map { SQLBind($0) })))
                ORDER BY created_at, id
                """
            ).all()
            for row in rows {
                grants[try row.decode(column: "subject_id", as: String.self), default: [:]][
                    try row.decode(column: "purpose", as: String.self)] = ConsentGrant(
                        granted: try row.decode(column: "granted", as: Bool.self),
                        policyVersion: try row.decode(column: "policy_version", as: Int.self),
                        at: try row.decode(column: "created_at", as: Int64.self))
            }
        }
        return grants
    }

    // MARK: Sending

    /// Sends the campaign's due deliveries over `concurrency` connections until none is left or the campaign is
    /// paused or cancelled; each failure is committed before that worker sends again, each accepted message is in
    /// the journal.
    ///
    /// One task claims and opens the next batch while the workers send the current one, so the connections never
    /// wait for the database between batches.
    /// - Returns: Whether the work ran out (rather than the campaign being stopped).
    private func deliver(
        campaign: Campaign, list: MailingList, composer: CampaignComposer, transport: CampaignTransport,
        recorder: DeliveryRecorder
    ) async throws -> Bool {
        let feed = RecipientFeed(capacity: settings.batchSize * 2)
        let stop = StopCheck(campaigns: campaigns, campaignID: campaign.id)
        let ranOut: Bool
        do {
            ranOut = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { [self] in
                    defer { feed.finish() }
                    // One connection for all of it: on SQLite, a connection drops its page cache whenever another
                    // one wrote, which the pool's connections otherwise do to each other at every batch.
                    return try await database.sql.withSession { [self] db in
                        while try await !stop.shouldStop() {
                            let claimed = try await claim(campaignID: campaign.id, on: db)
                            if claimed.isEmpty { return true }
                            guard await feed.push(try await load(claimed, campaign: campaign, list: list, on: db))
                            else {
                                return false
                            }
                        }
                        return false
                    }
                }
                // Each sender runs on an event loop of the connections and sends on that loop's connections.
                let executors = transport.executors()
                for index in 0..<max(1, settings.concurrency) {
                    let executor = executors.isEmpty ? nil : executors[index % executors.count]
                    group.addTask(executorPreference: executor) { [self] in
                        try await work(
                            feed: feed, stop: stop, campaign: campaign, composer: composer, transport: transport,
                            recorder: recorder, loop: executor?.eventLoop)
                        return false
                    }
                }
                return try await group.reduce(false) { $0 || $1 }
            }
        } catch {
            try? await returnClaims(campaignID: campaign.id)
            throw error
        }
        try await returnClaims(campaignID: campaign.id)
        return ranOut
    }

    /// One connection's sender: takes recipients from the feed until it is empty or the campaign stops.
    ///
    /// When the next recipient is already in the feed, its message is rendered before the current one is sent and
    /// its envelope goes out with the current message's end (one round trip per message). A message taken ahead
    /// is sent even when the campaign stops meanwhile, like a message already in flight: at most one per
    /// connection.
    private func work(
        feed: RecipientFeed, stop: StopCheck, campaign: Campaign, composer: CampaignComposer,
        transport: CampaignTransport, recorder: DeliveryRecorder, loop: (any EventLoop)?
    ) async throws {
        // The next message is rendered while the previous outcome is being committed; it is sent only once that
        // commit is done, so at most one accepted message per connection is unrecorded.
        var previous: Task<Void, any Error>?
        defer { previous?.cancel() }
        let session = transport.session(preferring: loop)
        var upcoming: (recipient: Recipient, message: Result<WireMessage, DeliveryFailure>)?
        do {
            while true {
                let current: (recipient: Recipient, message: Result<WireMessage, DeliveryFailure>)
                if let announced = upcoming {
                    current = announced
                    upcoming = nil
                } else {
                    guard let recipient = try await sendable(from: feed, waiting: true, recorder: recorder),
                        !Task.isCancelled, try await !stop.shouldStop()
                    else {
                        feed.finish()
                        break
                    }
                    if rate.isLimited { await rate.acquire() }
                    current = (recipient, prepare(recipient, campaign: campaign, composer: composer))
                }
                // Look ahead only when a recipient is waiting already (never wait for one here) and nothing limits
                // the rate.
                if !rate.isLimited, case .success = current.message, !Task.isCancelled, try await !stop.shouldStop(),
                    let following = try await sendable(from: feed, waiting: false, recorder: recorder)
                {
                    upcoming = (following, prepare(following, campaign: campaign, composer: composer))
                }
                var next: (message: WireMessage, recipient: String)?
                if let upcoming, case .success(let message) = upcoming.message, let email = upcoming.recipient.email {
                    next = (message, email)
                }
                try await previous?.value
                let result = await send(
                    current.message, recipient: current.recipient, session: session, then: next)
                if case .sent(let id) = result {
                    try journal.append(id)
                } else {
                    previous = Task { try await recorder.record(result) }
                }
            }
            try await previous?.value
            previous = nil
        } catch {
            await session.finish()
            throw error
        }
        await session.finish()
    }

    /// The next recipient of the feed that is to be sent to, recording the ones to drop on the way; `nil` when
    /// the feed is finished and empty, or (not `waiting`) when no recipient is ready.
    private func sendable(from feed: RecipientFeed, waiting: Bool, recorder: DeliveryRecorder) async throws
        -> Recipient?
    {
        while let recipient = waiting ? await feed.next() : feed.poll() {
            guard let reason = recipient.dropReason else { return recipient }
            try await recorder.record(.dropped(recipient.deliveryID, reason: reason))
        }
        return nil
    }

    /// Deliveries this instance claimed for the campaign but did not send (it was paused or cancelled, or sending
    /// failed) go back to the queue — after the journal reached the database, so that no accepted one goes back.
    private func returnClaims(campaignID: String) async throws {
        try await flushJournal()
        let now = clock.milliseconds
        try await database.sql.raw(
            """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_at = NULL, updated_at = \(bind: now)
            WHERE campaign_id = \(bind: campaignID) AND status = 'sending' AND claimed_by = \(bind: node)
            """
        ).run()
    }

    /// A recipient's message, rendered; or why it cannot be.
    private func prepare(_ recipient: Recipient, campaign: Campaign, composer: CampaignComposer) -> Result<
        WireMessage, DeliveryFailure
    > {
        guard let email = recipient.email, let subscriberID = recipient.subscriberID else {
            return .failure(.dropped("no address"))
        }
        let token = subscriptions.unsubscribeToken(subscriberID: subscriberID, listID: campaign.listID)
        var tracking: MessageTracking?
        if recipient.tracksOpens || recipient.tracksClicks {
            let deliveryID = recipient.deliveryID
            let (links, signer) = (links, self.tracking)
            tracking = MessageTracking(
                pixelURL: recipient.tracksOpens
                    ? links.url(.trackOpen(token: signer.openToken(deliveryID: deliveryID))) : nil,
                link: recipient.tracksClicks
                    ? { url in
                        guard url.utf8.count <= MailTrackingSigner.maxURLLength else { return nil }
                        return links.url(
                            .trackClick(token: signer.clickToken(deliveryID: deliveryID, url: url), url: url))
                    } : nil)
        }
        do {
            return .success(
                try composer.wireMessage(
                    email: email, name: recipient.name, unsubscribeURL: links.url(.unsubscribe(token: token)),
                    token: token, messageID: "\(campaign.id).\(recipient.deliveryID)@\(domain)", date: clock.now(),
                    tracking: tracking))
        } catch {
            return .failure(.unrenderable(DeliveryRecorder.redact("\(error)")))
        }
    }

    /// `steward_campaign_messages_total` by outcome, made once (after the metrics system is bootstrapped).
    private static let counters: (sent: Counter, bounced: Counter, deferred: Counter) = {
        _ = MetricsRegistry.shared
        func counter(_ outcome: String) -> Counter {
            Counter(label: "steward_campaign_messages_total", dimensions: [("outcome", outcome)])
        }
        return (counter("sent"), counter("bounced"), counter("deferred"))
    }()

    /// Hands a rendered message to the transport and classifies the answer.
    private func send(
        _ message: Result<WireMessage, DeliveryFailure>, recipient: Recipient, session: CampaignSession,
        then next: (message: WireMessage, recipient: String)?
    ) async -> DeliveryResult {
        let raw: WireMessage
        switch message {
        case .success(let wire): raw = wire
        case .failure(.dropped(let reason)): return .dropped(recipient.deliveryID, reason: reason)
        case .failure(.unrenderable(let reason)): return .failed(recipient.deliveryID, reason: reason)
        }
        guard let email = recipient.email, let subscriberID = recipient.subscriberID else {
            return .dropped(recipient.deliveryID, reason: "no address")
        }
        do {
            try await session.send(raw, from: from, to: email, name: String(recipient.deliveryID), then: next)
            Self.counters.sent.increment()
            return .sent(recipient.deliveryID)
        } catch let error as SMTPError {
            let reason = DeliveryRecorder.redact(error.description)
            switch error {
            case .permanent:
                Self.counters.bounced.increment()
                return .bounced(recipient.deliveryID, subscriberID: subscriberID, reason: reason)
            default:
                Self.counters.deferred.increment()
                return .deferred(
                    recipient.deliveryID, attempts: recipient.attempts + 1, firstAt: recipient.firstAt, reason: reason)
            }
        } catch let error as MailError {
            return .failed(recipient.deliveryID, reason: DeliveryRecorder.redact("\(error)"))
        } catch {
            return .deferred(
                recipient.deliveryID, attempts: recipient.attempts + 1, firstAt: recipient.firstAt,
                reason: DeliveryRecorder.redact("\(error)"))
        }
    }

    /// Marks a campaign sent once no delivery is pending or being sent.
    private func finishIfDone(campaignID: String) async throws {
        let now = clock.milliseconds
        let open =
            try await database.sql.raw(
                """
                SELECT COUNT(*) AS n FROM deliveries
                WHERE campaign_id = \(bind: campaignID) AND status IN ('pending', 'sending')
                """
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        guard open == 0 else { return }
        let progress = try await campaigns.progress(campaignID: campaignID)
        try await database.transaction { [campaigns, audit] db in
            guard try await campaigns.transition(id: campaignID, from: [.sending], to: .sent, now: now, on: db) else {
                return
            }
            try await db.update("campaigns").set("finished_at", to: now).where("id", .equal, campaignID).run()
            try await audit.record(
                "campaign.finish", actor: .system, subject: nil, requestID: nil,
                details: [
                    "campaign": campaignID, "sent": String(progress.sent), "failed": String(progress.failed),
                    "dropped": String(progress.dropped),
                ], on: db)
        }
        logger.info(
            "campaign sent",
            metadata: ["campaign": "\(campaignID)", "sent": "\(progress.sent)", "failed": "\(progress.failed)"])
    }
}

/// Runs journal flushes one at a time (an actor alone would interleave them at each `await`).
private actor JournalFlushes {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run(_ body: @Sendable () async throws -> Void) async throws {
        while busy {
            await withCheckedContinuation { waiting.append($0) }
        }
        busy = true
        defer {
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        try await body()
    }
}

/// Why a recipient's message was not built.
enum DeliveryFailure: Error {
    /// Not to be sent (no address any more).
    case dropped(String)
    /// The message could not be rendered (a malformed address or header).
    case unrenderable(String)
}

/// The recipients waiting to be sent, filled a batch at a time by one task and taken one at a time by the
/// sending workers.
private final class RecipientFeed: Sendable {
    private struct State {
        var items = CircularBuffer<CampaignEngine.Recipient>()
        var takers: [CheckedContinuation<CampaignEngine.Recipient?, Never>] = []
        var filler: CheckedContinuation<Bool, Never>?
        var isFinished = false
    }

    /// How many recipients may wait before ``push(_:)`` waits for room.
    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds a batch, then waits while the feed holds `capacity` or more.
    /// - Returns: `false` once the feed is finished (nothing more will be taken).
    func push(_ batch: [CampaignEngine.Recipient]) async -> Bool {
        var batch = batch[...]
        let (open, woken) = state.withLock {
            state -> (Bool, [(CheckedContinuation<CampaignEngine.Recipient?, Never>, CampaignEngine.Recipient)]) in
            guard !state.isFinished else { return (false, []) }
            var woken: [(CheckedContinuation<CampaignEngine.Recipient?, Never>, CampaignEngine.Recipient)] = []
            while !state.takers.isEmpty, let first = batch.popFirst() {
                woken.append((state.takers.removeFirst(), first))
            }
            state.items.append(contentsOf: batch)
            return (true, woken)
        }
        for (taker, recipient) in woken { taker.resume(returning: recipient) }
        guard open else { return false }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer = state.withLock { state -> Bool? in
                    if state.isFinished { return false }
                    if state.items.count < capacity { return true }
                    state.filler = continuation
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            finish()
        }
    }

    /// The next recipient when one is ready, without waiting.
    func poll() -> CampaignEngine.Recipient? {
        let (ready, filler) = state.withLock { take(&$0) }
        filler?.resume(returning: true)
        return ready
    }

    /// The next recipient, waiting for the next batch when none is ready; `nil` once the feed is finished and
    /// empty.
    func next() async -> CampaignEngine.Recipient? {
        if let ready = poll() { return ready }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CampaignEngine.Recipient?, Never>) in
                let (answer, filler) = state.withLock { state -> (CampaignEngine.Recipient??, Filler?) in
                    let (item, filler) = take(&state)
                    if let item { return (.some(item), filler) }
                    if state.isFinished { return (.some(nil), nil) }
                    state.takers.append(continuation)
                    return (nil, nil)
                }
                filler?.resume(returning: true)
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            finish()
        }
    }

    private typealias Filler = CheckedContinuation<Bool, Never>

    /// Takes the first recipient, and the waiting filler when that leaves room for more.
    private func take(_ state: inout State) -> (CampaignEngine.Recipient?, Filler?) {
        guard let item = state.items.popFirst() else { return (nil, nil) }
        guard state.items.count < capacity else { return (item, nil) }
        defer { state.filler = nil }
        return (item, state.filler)
    }

    /// Ends the feed: waiting workers get `nil` (the recipients still in it can be taken) and a waiting
    /// ``push(_:)`` returns `false`.
    func finish() {
        let (takers, filler) = state.withLock { state in
            state.isFinished = true
            defer {
                state.takers.removeAll()
                state.filler = nil
            }
            return (state.takers, state.filler)
        }
        for taker in takers { taker.resume(returning: nil) }
        filler?.resume(returning: false)
    }
}

/// Re-reads a campaign's status at most twice a second, so a pause or cancel stops the senders quickly.
private final class StopCheck: Sendable {
    let campaigns: SQLCampaignRepository
    let campaignID: String
    private let state = Mutex<(checkedAt: ContinuousClock.Instant?, stop: Bool)>((nil, false))

    init(campaigns: SQLCampaignRepository, campaignID: String) {
        self.campaigns = campaigns
        self.campaignID = campaignID
    }

    func shouldStop() async throws -> Bool {
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool? in
            if state.stop { return nil }
            if let at = state.checkedAt, now - at < .milliseconds(500) { return false }
            state.checkedAt = now
            return true
        }
        guard let due else { return true }
        guard due else { return false }
        let stop = try await campaigns.find(id: campaignID)?.status != .sending
        if stop { state.withLock { $0.stop = true } }
        return stop
    }
}

/// Runs the campaign engine beside the HTTP server; a graceful stop lets messages in flight finish and record.
struct CampaignEngineService: Service {
    let engine: CampaignEngine

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await engine.run()
        }
    }
}

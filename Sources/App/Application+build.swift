import Analytics
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import Policy
import Prometheus
import SMTP
import ServiceLifecycle
import Storage
import Vault

/// Everything the application is made of, built once at start-up.
public struct AppServices: Sendable {
    public let configuration: AppConfiguration
    public let database: Database
    public let keyring: Keyring
    public let renderer: Renderer
    public let audit: AuditLog
    public let queue: SQLJobQueue
    public let clock: any WallClock
    let accounts: AccountService
    let staff: StaffService
    let outbox: Outbox
    let outboxRepository: SQLOutboxRepository
    let transport: MailTransport
    let cookies: CookieSettings
    let links: SiteLinks
    let policyState: PolicyState
    let policy: PolicyService
    let consent: ConsentService
    let layouts: LayoutService
    let members: SQLMemberRepository
    let subscriptions: SubscriptionService
    let campaigns: CampaignService
    let campaignEngine: CampaignEngine
    let importer: SubscriberImporter
    let analyticsIngestor: EventIngestor
    let analyticsSalt: DailySalt
    /// The GeoIP country file, when `STEWARD_GEOIP_FILE` names one.
    let geoIP: GeoIPDatabase?
    let analyticsRollups: AnalyticsRollups
    let stats: StatsService
    let staffTokens: StaffTokens
    /// The statistics API's OpenAPI description (Resources/openapi.yaml).
    let openAPI: String
    let dataExports: DataExportService
    let privacyRights: PrivacyRightsService
    let privacyRequests: PrivacyRequestService
    let auditMonitor: AuditMonitor
    let retention: RetentionService
    /// The JSON Schema of data exports (Resources/export-schema.json).
    let exportSchema: String

    /// Opens the database, applies migrations, loads the master key and the templates.
    ///
    /// - Parameters:
    ///   - configuration: The validated configuration.
    ///   - clock: The clock (tests pass a fake one).
    ///   - passwordCost: The bcrypt cost (12; tests lower it for speed).
    ///   - logger: The application's logger.
    ///   - searchPath: PostgreSQL schemas to use (tests isolate themselves in a schema each).
    public static func make(
        configuration: AppConfiguration, clock: any WallClock = SystemWallClock(), passwordCost: UInt8 = 12,
        logger: Logger, searchPath: [String]? = nil, node: String = "serve"
    ) async throws -> AppServices {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        var location = configuration.databaseLocation
        if case .postgres(let url, _) = location, let searchPath {
            location = .postgres(url: url, searchPath: searchPath)
        }
        let database = try await Database.open(location, logger: logger)
        do {
            try await Migrator(database: database, logger: logger).migrate()
            let master = try MasterKeyLoader.load(configuration, logger: logger)
            let keyring = Keyring(master: master, database: database)
            let audit = AuditLog(database: database, clock: clock)
            let policySource = try String(contentsOfFile: configuration.policyFile, encoding: .utf8)
            let policyState = PolicyState(
                try await PolicyService.bootstrap(
                    database: database, fileSource: policySource, fileName: configuration.policyFile, audit: audit,
                    clock: clock, logger: logger))
            let renderer = try await Renderer(directory: configuration.resourcesDirectory + "/templates") {
                SiteProfile(policy: policyState.current.policy)
            }
            let policy = try PasswordPolicy(
                commonPasswordsFile: configuration.resourcesDirectory + "/data/common-passwords.txt")
            let queue = SQLJobQueue(database: database)
            let links = SiteLinks(baseURL: configuration.baseURL)
            let outbox = Outbox(
                renderer: renderer, keyring: keyring, queue: queue, clock: clock, from: configuration.mailFrom,
                domain: configuration.baseURL.host ?? "localhost", policy: policyState)
            let consent = ConsentService(
                database: database, repository: SQLConsentRepository(database: database), state: policyState,
                audit: audit, clock: clock)
            let members = SQLMemberRepository(database: database, keyring: keyring)
            let transport: MailTransport
            if let url = configuration.smtpURL {
                var smtpLogger = logger
                smtpLogger[metadataKey: "component"] = "smtp"
                transport = .smtp(
                    SMTPClientBox(
                        configuration: try SMTPConfiguration(url: url),
                        eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: smtpLogger))
            } else {
                transport = .files(directory: configuration.dataDirectory + "/outbox")
            }
            let sessions = SQLSessionRepository(database: database)
            let hasher = PasswordHasher(cost: passwordCost)
            let subscriptions = SubscriptionService(
                database: database, repository: SQLSubscriberRepository(database: database, keyring: keyring),
                members: members, consent: consent, audit: audit, outbox: outbox, links: links, clock: clock,
                validator: AccountValidator(passwordPolicy: policy),
                unsubscribeSecret: master.derivedSecret(purpose: "unsubscribe"),
                limiter: RateLimiter(limit: 5, window: 3600, clock: clock))
            let mailing = try Self.mailingSettings(configuration)
            var campaignLogger = logger
            campaignLogger[metadataKey: "component"] = "campaigns"
            let campaignTransport: CampaignTransport
            if let url = configuration.smtpURL {
                campaignTransport = .smtp(
                    SMTPPool(
                        configuration: try SMTPConfiguration(url: url), size: mailing.concurrency,
                        eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: campaignLogger))
            } else {
                campaignTransport = .files(directory: configuration.dataDirectory + "/outbox/campaigns")
            }
            let engine = try CampaignEngine(
                database: database, campaigns: SQLCampaignRepository(database: database), subscriptions: subscriptions,
                keyring: keyring, state: policyState, renderer: renderer, links: links, audit: audit, clock: clock,
                transport: campaignTransport, settings: mailing,
                tracking: MailTrackingSigner(secret: master.derivedSecret(purpose: "mail-tracking")),
                from: configuration.mailFrom,
                domain: configuration.baseURL.host ?? "localhost",
                node: node + "@" + ProcessInfo.processInfo.hostName + ":" + configuration.dataDirectory,
                spoolDirectory: configuration.dataDirectory + "/spool", logger: campaignLogger)
            let accounts = AccountService(
                database: database, members: members,
                sessions: sessions, tokens: SQLAccountTokenRepository(database: database), keyring: keyring,
                hasher: hasher, validator: AccountValidator(passwordPolicy: policy), audit: audit, outbox: outbox,
                clock: clock, limits: AccountRateLimits(clock: clock, loginLimit: configuration.loginLimit),
                links: links, consent: consent, subscriptions: subscriptions)
            let staff = StaffService(
                database: database, repository: SQLStaffRepository(database: database, keyring: keyring),
                sessions: sessions, keyring: keyring, hasher: hasher,
                validator: AccountValidator(passwordPolicy: policy), audit: audit, outbox: outbox, clock: clock,
                limits: AccountRateLimits(clock: clock, loginLimit: configuration.loginLimit), links: links)
            // Built once, shared by the services below.
            let analytics = SQLAnalyticsRepository(database: database)
            let dataExports = DataExportService(
                members: members, consents: SQLConsentRepository(database: database),
                repository: SQLDataExportRepository(database: database, keyring: keyring),
                tracking: SQLMailTrackingRepository(database: database), state: policyState,
                renderer: renderer, audit: audit, clock: clock)
            let privacyRights = PrivacyRightsService(
                database: database, consent: consent, subscriptions: subscriptions,
                subscribers: subscriptions.repository, keyring: keyring, audit: audit, state: policyState, clock: clock)
            return AppServices(
                configuration: configuration, database: database, keyring: keyring, renderer: renderer, audit: audit,
                queue: queue, clock: clock, accounts: accounts, staff: staff, outbox: outbox,
                outboxRepository: SQLOutboxRepository(database: database, keyring: keyring), transport: transport,
                cookies: CookieSettings(secure: configuration.isHTTPS), links: links, policyState: policyState,
                policy: PolicyService(
                    database: database, repository: SQLPolicyRepository(database: database), state: policyState,
                    audit: audit, queue: queue, clock: clock),
                consent: consent,
                layouts: LayoutService(
                    accounts: accounts, state: policyState, database: database,
                    gaMeasurementID: configuration.gaMeasurementID),
                members: members, subscriptions: subscriptions,
                campaigns: CampaignService(
                    database: database, repository: SQLCampaignRepository(database: database),
                    subscriptions: subscriptions, engine: engine, renderer: renderer, outbox: outbox, audit: audit,
                    clock: clock, settings: mailing, tracking: SQLMailTrackingRepository(database: database)),
                campaignEngine: engine,
                importer: SubscriberImporter(
                    database: database, keyring: keyring, consent: consent, audit: audit, clock: clock),
                analyticsIngestor: EventIngestor(database: database), analyticsSalt: DailySalt(database: database),
                geoIP: try configuration.geoIPFile.map { try GeoIPDatabase(contentsOf: $0) },
                analyticsRollups: AnalyticsRollups(repository: analytics),
                stats: StatsService(repository: analytics, clock: clock),
                staffTokens: StaffTokens(database: database, audit: audit, clock: clock),
                openAPI: try String(
                    contentsOfFile: configuration.resourcesDirectory + "/openapi.yaml", encoding: .utf8),
                dataExports: dataExports, privacyRights: privacyRights,
                privacyRequests: PrivacyRequestService(
                    database: database, repository: SQLPrivacyRequestRepository(database: database, keyring: keyring),
                    members: members, accounts: accounts, rights: privacyRights, exports: dataExports,
                    subscribers: subscriptions.repository, staff: staff.repository,
                    keyring: keyring, outbox: outbox, audit: audit, state: policyState,
                    validator: AccountValidator(passwordPolicy: policy),
                    links: links, limiter: RateLimiter(limit: 5, window: 3600, clock: clock), clock: clock),
                auditMonitor: AuditMonitor(
                    audit: audit, staff: staff.repository, keyring: keyring,
                    outbox: outbox, database: database, links: links, clock: clock),
                retention: RetentionService(
                    database: database, keyring: keyring, accounts: accounts, outbox: outbox, audit: audit,
                    state: policyState, links: links, clock: clock,
                    inactiveAccountDays: configuration.inactiveAccountDays),
                exportSchema: try String(
                    contentsOfFile: configuration.resourcesDirectory + "/export-schema.json", encoding: .utf8))
        } catch {
            await database.shutdown()
            throw error
        }
    }

    /// Campaign sending settings from the configuration (DKIM key read and checked here).
    static func mailingSettings(_ configuration: AppConfiguration) throws -> MailingSettings {
        var settings = MailingSettings()
        settings.concurrency = configuration.mailConcurrency
        settings.perSecond = configuration.mailRatePerSecond
        settings.perHour = configuration.mailRatePerHour
        settings.retryFirstDelay = Int64(configuration.mailRetryDelay) * 1000
        settings.giveUpAfter = Int64(configuration.mailGiveUpHours) * 3600 * 1000
        let domain = configuration.mailFrom.split(separator: "@").last.map(String.init) ?? "localhost"
        settings.unsubscribeMailbox = "unsubscribe@" + domain
        if let file = configuration.dkimKeyFile, let domain = configuration.dkimDomain,
            let selector = configuration.dkimSelector
        {
            let pem = try String(contentsOfFile: file, encoding: .utf8)
            do {
                settings.dkim = try DKIMSigner(domain: domain, selector: selector, privateKeyPEM: pem)
            } catch {
                throw ConfigurationError(problems: ["STEWARD_DKIM_KEY_FILE=\(file): \(error)"])
            }
        }
        return settings
    }

    /// Sends due campaigns until no sendable delivery is left (tests and the `campaign send` command).
    public func sendCampaigns(only campaignID: String? = nil) async throws {
        try await campaignEngine.runDue(only: campaignID)
    }

    /// The job worker that delivers mail and runs every other background job.
    func makeJobWorker(logger: Logger) -> JobWorker {
        var workerLogger = logger
        workerLogger[metadataKey: "component"] = "jobs"
        return JobWorker(
            queue: queue,
            handlers: [
                Outbox.jobKind: MailDeliveryJob(repository: outboxRepository, transport: transport, clock: clock),
                PolicyNoticeJob.kind: PolicyNoticeJob(
                    database: database, members: members, keyring: keyring, outbox: outbox, state: policyState,
                    links: links, clock: clock),
            ],
            clock: clock, logger: workerLogger)
    }

    /// Runs queued jobs until none is due (tests and one-shot commands).
    public func drainJobs(logger: Logger) async throws {
        try await policy.refresh()
        let worker = makeJobWorker(logger: logger)
        while try await worker.runOne() {}
    }

    /// A one-time link to create the first owner, when no staff member exists yet.
    public func ownerSetupLinkIfNeeded() async throws -> String? {
        guard try await staff.count() == 0 else { return nil }
        let token = try await staff.createInvite(email: nil, role: .owner, invitedBy: nil, requestID: nil)
        return links.url(.adminSetup(token: token))
    }

    /// An invitation link for a staff member (the `steward admin create` command).
    public func createStaffInvite(email: String, role: String) async throws -> String {
        guard let role = StaffRole(rawValue: role) else { throw StaffError.invalid(["role": "Unknown role \(role)."]) }
        let token = try await staff.createInvite(email: email, role: role, invitedBy: nil, requestID: nil)
        return links.url(.adminSetup(token: token))
    }

    /// Creates a statistics API token for the staff member with this e-mail address (the CLI's `admin token`).
    public func createStaffToken(email: String, name: String) async throws -> String {
        guard let member = try await staff.repository.find(email: email) else { throw StaffTokenError.unknownStaff }
        return try await staffTokens.create(staffID: member.id, name: name, requestID: nil)
    }

    /// Applies the retention rules now (the CLI's `retention run`); with `dryRun`, only counts.
    public func runRetention(dryRun: Bool, progress: (_ task: String, _ description: String, _ count: Int) -> Void)
        async throws
    {
        _ = try await retention.run(dryRun: dryRun) { progress($0.task, $0.description, $0.count) }
    }

    /// What the retention rules will delete on which day (the CLI's `retention plan`).
    public func retentionPlan(horizonDays: Int) async throws -> [(
        day: String, category: String, description: String, count: Int
    )] {
        try await retention.plan(horizonDays: Int64(horizonDays)).map {
            (CivilDate.iso($0.day), $0.category, $0.description, $0.count)
        }
    }

    /// The breach report for a window (the CLI's `breach report`), as Markdown.
    public func breachReport(since: Int64, until: Int64, discoveredAt: Int64?, withContacts: Bool) async throws
        -> String
    {
        try await BreachReport(database: database, keyring: keyring, state: policyState, audit: audit, clock: clock)
            .markdown(
                since: since, until: until, discoveredAt: discoveredAt ?? clock.milliseconds, withContacts: withContacts
            )
    }

    /// Brings the analytics roll-ups up to date, reporting each day rolled up (the CLI's `analytics rollup`).
    /// - Returns: The number of days rolled up.
    @discardableResult
    public func rollUpAnalytics(
        progress: (_ day: String, _ events: Int, _ rows: Int, _ done: Int, _ total: Int) -> Void
    )
        async throws -> Int
    {
        try await analyticsRollups.run { progress(CivilDate.iso($0.day), $0.events, $0.rows, $0.done, $0.total) }
    }
}

/// The process-wide Prometheus registry (the metrics system can be bootstrapped once per process).
public enum MetricsRegistry {
    /// The registry behind `/metrics`.
    public static let shared: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// Builds the HTTP application with every route and middleware.
/// - Parameters:
///   - services: What the application is made of.
///   - logger: The application's logger.
///   - runJobs: Whether this process runs the job worker (tests drain jobs by hand).
///   - onServerRunning: Called once the server listens (with the bound channel).
public func buildApplication(
    services: AppServices, logger: Logger, runJobs: Bool = true,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(services: services)
    var extra: [any Service] = [DatabaseService(database: services.database)]
    if runJobs {
        extra.append(services.makeJobWorker(logger: logger))
        extra.append(CampaignEngineService(engine: services.campaignEngine))
        extra.append(
            EventIngestService(
                ingestor: services.analyticsIngestor, state: services.policyState, clock: services.clock,
                logger: logger))
        extra.append(PolicyRefreshService(service: services.policy, logger: logger))
        extra.append(
            PrivacyRequestReminderService(
                requests: services.privacyRequests, repository: services.privacyRequests.repository,
                clock: services.clock, logger: logger))
        extra.append(AuditMonitorService(monitor: services.auditMonitor, interval: .seconds(86_400), logger: logger))
        extra.append(
            RetentionJobService(
                retention: services.retention, interval: .seconds(services.configuration.retentionIntervalHours * 3600),
                logger: logger))
        extra.append(
            AnalyticsRollupService(rollups: services.analyticsRollups, interval: .seconds(60), logger: logger))
    }
    return Application(
        router: router,
        configuration: .init(
            address: .hostname(services.configuration.host, port: services.configuration.port), serverName: nil),
        services: extra,
        onServerRunning: onServerRunning,
        logger: logger)
}

/// The router with every middleware and controller mounted, in one place.
public func buildRouter(services: AppServices) -> Router<AppRequestContext> {
    let registry = MetricsRegistry.shared
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: SecurityHeadersMiddleware(isHTTPS: services.configuration.isHTTPS))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorPageMiddleware(renderer: services.renderer))
    router.add(
        middleware: StaticFilesMiddleware(directory: services.configuration.resourcesDirectory + "/public"))
    router.add(
        middleware: SessionMiddleware(
            sessions: services.accounts.sessions, accounts: services.accounts, cookies: services.cookies,
            clock: services.clock))
    router.add(
        middleware: FormMiddleware(
            cookies: services.cookies, secret: services.keyring.master.derivedSecret(purpose: "csrf"),
            maxBodySize: services.configuration.maxBodySize, exemptPrefixes: ["/api/"],
            crossSitePaths: ["/subscribe", "/unsubscribe"],
            largeBodyPrefixes: [(prefix: "/admin/lists/", limit: 64 * 1024 * 1024)]))
    router.add(
        middleware: ConsentMiddleware(
            cookies: services.cookies, state: services.policyState, consent: services.consent,
            members: services.members))
    let accounts = AccountController(
        accounts: services.accounts, renderer: services.renderer, cookies: services.cookies, layouts: services.layouts)
    accounts.addRoutes(to: router)
    PolicyController(
        state: services.policyState, renderer: services.renderer, layouts: services.layouts, consent: services.consent,
        members: services.members, cookies: services.cookies
    ).addRoutes(to: router)
    PrivacyDashboardController(
        accounts: services.accounts, consent: services.consent, state: services.policyState,
        renderer: services.renderer, layouts: services.layouts, database: services.database,
        exports: services.dataExports, exportSchema: services.exportSchema, rights: services.privacyRights,
        retention: services.retention
    ).addRoutes(to: router)
    AnalyticsController(
        ingestor: services.analyticsIngestor, salt: services.analyticsSalt, clock: services.clock,
        geoIP: services.geoIP,
        siteHost: services.configuration.baseURL.host ?? "localhost"
    ).addRoutes(to: router)
    NewsletterController(
        subscriptions: services.subscriptions, campaigns: services.campaigns, accounts: services.accounts,
        renderer: services.renderer, layouts: services.layouts, cookies: services.cookies, links: services.links
    ).addRoutes(to: router)
    SiteController(renderer: services.renderer, accounts: accounts, database: services.database, metrics: registry)
        .addRoutes(to: router)
    let admin = AdminController(
        staff: services.staff, outbox: services.outboxRepository, queue: services.queue, renderer: services.renderer,
        cookies: services.cookies, relayConfigured: services.transport.isRelay, links: services.links)
    admin.addRoutes(to: router)
    AnalyticsAdminController(
        admin: admin, stats: services.stats, tokens: services.staffTokens, cookies: services.cookies,
        baseURL: String(services.links.baseURL.absoluteString.reversed().drop { $0 == "/" }.reversed())
    ).addRoutes(to: router)
    AuditAdminController(
        admin: admin, monitor: services.auditMonitor, keyring: services.keyring, database: services.database
    ).addRoutes(to: router)
    PrivacyRequestController(
        requests: services.privacyRequests, admin: admin, renderer: services.renderer, layouts: services.layouts,
        state: services.policyState, clock: services.clock
    ).addRoutes(to: router)
    StatsAPIController(
        stats: services.stats, tokens: services.staffTokens, staff: services.staff, openAPI: services.openAPI
    ).addRoutes(to: router)
    NewsletterAdminController(
        admin: admin, subscriptions: services.subscriptions, importer: services.importer,
        campaigns: services.campaigns, cookies: services.cookies, links: services.links
    ).addRoutes(to: router)
    MailTrackingController(
        repository: services.campaigns.tracking, signer: services.campaignEngine.tracking, consent: services.consent,
        state: services.policyState, clock: services.clock
    ).addRoutes(to: router)
    return router
}

/// Closes the database pool when the application shuts down.
struct DatabaseService: Service {
    let database: Database

    func run() async throws {
        try? await gracefulShutdown()
        await database.shutdown()
    }
}

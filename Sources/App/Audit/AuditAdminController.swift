import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SQLKit
import ServiceLifecycle
import Storage
import Synchronization
import Vault

/// Why a staff member opens a person's data; recorded with the viewing in the audit log.
enum ViewingPurpose: String, CaseIterable, Sendable {
    case dataRequest = "data_request"
    case delivery
    case security
    case complaint

    var label: String {
        switch self {
        case .dataRequest: "Answering a data request"
        case .delivery: "Checking an e-mail delivery problem"
        case .security: "Investigating a security incident"
        case .complaint: "Handling a complaint or question from the person"
        }
    }
}

/// Verifies the audit chain once a day and e-mails the owners when it is broken (once per break).
final class AuditMonitor: Sendable {
    let audit: AuditLog
    let staff: SQLStaffRepository
    let keyring: Keyring
    let outbox: Outbox
    let database: Database
    let links: SiteLinks
    let clock: any WallClock
    private let last = Mutex<(result: AuditVerification, at: Int64)?>(nil)

    init(
        audit: AuditLog, staff: SQLStaffRepository, keyring: Keyring, outbox: Outbox, database: Database,
        links: SiteLinks, clock: any WallClock
    ) {
        self.audit = audit
        self.staff = staff
        self.keyring = keyring
        self.outbox = outbox
        self.database = database
        self.links = links
        self.clock = clock
    }

    /// The last verification and when it ran, or nil before the first.
    var lastResult: (result: AuditVerification, at: Int64)? { last.withLock { $0 } }

    /// Verifies the chain now; alerts the owners when it is broken and was not broken (the same way) before.
    @discardableResult
    func check() async throws -> AuditVerification {
        let result = try await audit.verify()
        let previous = last.withLock { state -> AuditVerification? in
            defer { state = (result, clock.milliseconds) }
            return state?.result
        }
        if case .broken = result, previous != result {
            let owners = try await staff.all().filter { $0.role == .owner }
            let outbox = outbox
            let keyring = keyring
            let link = links.url(.adminAudit)
            try await database.transaction { db in
                for owner in owners {
                    let key = try await keyring.key(for: owner.subjectID, on: db)
                    try await outbox.enqueue(
                        OutgoingMail(
                            to: owner.email, name: owner.name, subject: "The audit log was tampered with",
                            template: "audit-broken", model: ["problem": result.description, "link": link],
                            kind: "audit.broken"),
                        sealedFor: key.map { (owner.subjectID, $0) }, on: db)
                }
            }
        }
        return result
    }
}

/// Runs the audit verification once a day.
struct AuditMonitorService: Service {
    let monitor: AuditMonitor
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            try? await Task.sleep(for: .seconds(30))
            while !Task.isCancelled {
                do {
                    let result = try await monitor.check()
                    if case .broken = result {
                        logger.critical("audit log verification failed", metadata: ["audit.result": "\(result)"])
                    }
                } catch {
                    logger.error("audit log verification could not run", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}

/// The staff audit viewer: filter by person, actor, action and time; export; the chain's verification status.
struct AuditAdminController: Sendable {
    let admin: AdminController
    let monitor: AuditMonitor
    let keyring: Keyring
    let database: Database

    static let pageSize = 100

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/admin/audit", use: page)
        router.get("/admin/audit/export.csv", use: export)
        router.post("/admin/audit/verify", use: verifyNow)
    }

    struct Filter {
        var person = ""
        var purpose = ""
        var actor = ""
        var action = ""
        var from = ""
        var to = ""
    }

    struct Page {
        struct Row {
            let sequence: Int64
            let time: String
            let actor: String
            let action: String
            let subject: String
            let requestID: String
            let details: String
        }
        struct PurposeOption {
            let value: String
            let label: String
            let selected: Bool
        }
        let rows: [Row]
        let filter: Filter
        var fields: [String: FieldView]
        var formError: String?
        let purposes: [PurposeOption]
        let purposeError: String?
        let verification: String
        let verificationOK: Bool
        let verifiedAt: String
        let exportHref: String
        let more: Bool
        let total: Int
    }

    enum FilterError: Error {
        case invalid([String: String])
    }

    /// The WHERE clause for a filter, or the problems with it. Looking a person up by address needs a purpose.
    func condition(_ filter: Filter) async throws -> (SQLQueryString, Set<String>?) {
        var errors: [String: String] = [:]
        var parts: [SQLQueryString] = ["1 = 1"]
        var subjects: Set<String>?
        if !filter.person.isEmpty {
            if ViewingPurpose(rawValue: filter.purpose) == nil {
                errors["purpose"] = "Choose why you look this person up: the search is recorded."
            }
            let index = keyring.emailIndex(filter.person)
            var found = Set<String>()
            for table in ["members", "subscribers", "staff", "privacy_requests"] {
                let rows = try await database.sql.raw(
                    "SELECT subject_id FROM \(ident: table) WHERE email_index = \(bind: index)"
                ).all()
                for row in rows { found.insert(try row.decode(column: "subject_id", as: String.self)) }
            }
            // A pseudonymous subject id typed as is (for people already erased) matches too.
            found.insert(filter.person)
            subjects = found
            parts.append("subject IN \(SQLBind.group(Array(found)))")
        }
        if !filter.actor.isEmpty { parts.append("actor = \(bind: filter.actor)") }
        if !filter.action.isEmpty { parts.append("action LIKE \(bind: filter.action + "%")") }
        for (key, text, op) in [("from", filter.from, ">="), ("to", filter.to, "<")] where !text.isEmpty {
            guard let day = CivilDate.parse(text) else {
                errors[key] = "Use a date as yyyy-mm-dd."
                continue
            }
            let bound = (key == "to" ? day + 1 : day) * 86_400_000
            parts.append("occurred_at \(unsafeRaw: op) \(bind: bound)")
        }
        guard errors.isEmpty else { throw FilterError.invalid(errors) }
        var combined: SQLQueryString = ""
        for (index, part) in parts.enumerated() { combined = index == 0 ? part : combined + " AND " + part }
        return (combined, subjects)
    }

    static func filter(_ request: Request) -> Filter {
        let query = request.uri.queryParameters
        func text(_ key: String) -> String {
            query[Substring(key)].map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        return Filter(
            person: text("person"), purpose: text("purpose"), actor: text("actor"), action: text("action"),
            from: text("from"), to: text("to"))
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .audit)
        let filter = Self.filter(request)
        var errors: [String: String] = [:]
        var rows: [Page.Row] = []
        var total = 0
        do {
            let (condition, subjects) = try await condition(filter)
            if subjects != nil {
                try await admin.staff.audit.record(
                    "audit.search_person", actor: .staff(member.id), subject: nil, requestID: context.requestID,
                    details: ["purpose": filter.purpose])
            }
            total =
                try await database.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE \(condition)").first()?
                .decode(column: "n", as: Int.self) ?? 0
            rows = try await database.sql.raw(
                """
                SELECT sequence, occurred_at, actor, action, subject, request_id, details FROM audit_log
                WHERE \(condition) ORDER BY sequence DESC LIMIT \(bind: Self.pageSize)
                """
            ).all().map(Self.row)
        } catch FilterError.invalid(let problems) {
            errors = problems
        }
        let last = monitor.lastResult
        var components = URLComponents()
        components.path = "/admin/audit/export.csv"
        components.queryItems = [
            ("person", filter.person), ("purpose", filter.purpose), ("actor", filter.actor),
            ("action", filter.action), ("from", filter.from), ("to", filter.to),
        ].filter { !$0.1.isEmpty }.map { URLQueryItem(name: $0.0, value: $0.1) }
        let page = Page(
            rows: rows, filter: filter,
            fields: [
                "person": FieldView(
                    "person", label: "Person (e-mail or subject id)", type: "search", value: filter.person,
                    error: errors["person"], required: false),
                "actor": FieldView(
                    "actor", label: "Actor", type: "search", value: filter.actor, error: errors["actor"],
                    hint: "member:…, staff:…, system, anonymous", required: false),
                "action": FieldView(
                    "action", label: "Action starts with", type: "search", value: filter.action,
                    error: errors["action"], hint: "e.g. privacy. or auth.login", required: false),
                "from": FieldView(
                    "from", label: "From", type: "date", value: filter.from, error: errors["from"], required: false),
                "to": FieldView(
                    "to", label: "To", type: "date", value: filter.to, error: errors["to"], required: false),
            ],
            formError: errors.isEmpty ? nil : "Check the filter fields marked below.",
            purposes: ViewingPurpose.allCases.map {
                .init(value: $0.rawValue, label: $0.label, selected: $0.rawValue == filter.purpose)
            }, purposeError: errors["purpose"],
            verification: last.map {
                String($0.result.description.prefix(1).uppercased() + $0.result.description.dropFirst())
            }
                ?? "Not verified since the server started: verify now.",
            verificationOK: last.map { if case .intact = $0.result { true } else { false } } ?? true,
            verifiedAt: last.map { AccountService.format($0.at) } ?? "", exportHref: components.string ?? "",
            more: total > rows.count, total: total)
        return admin.console(
            "admin/audit", title: "Audit log", page: .audit, member: member, request: request, context: context,
            content: page, status: errors.isEmpty ? .ok : .badRequest)
    }

    @Sendable func verifyNow(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .audit)
        try await monitor.check()
        try await admin.staff.audit.record(
            "audit.verify", actor: .staff(member.id), subject: nil, requestID: context.requestID)
        return Response(status: .seeOther, headers: [.location: AdminPage.audit.path])
    }

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .audit)
        let filter = Self.filter(request)
        let condition: SQLQueryString
        do {
            let (found, subjects) = try await self.condition(filter)
            condition = found
            try await admin.staff.audit.record(
                "audit.export", actor: .staff(member.id), subject: nil, requestID: context.requestID,
                details: subjects == nil ? [:] : ["purpose": filter.purpose])
        } catch FilterError.invalid(let problems) {
            throw HTTPError(
                .badRequest,
                message: problems.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: " "))
        }
        var csv = "sequence,time,actor,action,subject,request_id,details\r\n"
        let rows = try await database.sql.raw(
            """
            SELECT sequence, occurred_at, actor, action, subject, request_id, details FROM audit_log
            WHERE \(condition) ORDER BY sequence
            """
        ).all()
        for row in try rows.map(Self.row) {
            csv +=
                [String(row.sequence), row.time, row.actor, row.action, row.subject, row.requestID, row.details]
                .map(AnalyticsAdminController.csvField).joined(separator: ",") + "\r\n"
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"audit-log.csv\"", .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    static func row(_ row: any SQLRow) throws -> Page.Row {
        Page.Row(
            sequence: try row.decode(column: "sequence", as: Int64.self),
            time: DataExportService.iso(try row.decode(column: "occurred_at", as: Int64.self)),
            actor: try row.decode(column: "actor", as: String.self),
            action: try row.decode(column: "action", as: String.self),
            subject: try row.decode(column: "subject", as: String?.self) ?? "",
            requestID: try row.decode(column: "request_id", as: String?.self) ?? "",
            details: try row.decode(column: "details", as: String.self))
    }
}

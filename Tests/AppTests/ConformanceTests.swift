import Foundation
import Policy
import SQLKit
import Storage
import Testing

@testable import App

/// The promise and the software cannot drift apart: every stored personal field is declared, every declared
/// category has a retention rule, and every use of a category is allowed to its purpose.
@Suite struct ConformanceTests {
    @Test func everyRegisteredFieldBelongsToADeclaredPersonalCategory() async throws {
        try await TestApp.with { app in
            let policy = app.services.policyState.current.policy
            for field in PersonalDataRegistry.fields {
                let category = policy.category(field.category)
                #expect(
                    category != nil, "\(field.table).\(field.column): category \(field.category) is not in the policy")
                #expect(category?.personal == true, "\(field.table).\(field.column): \(field.category) is not personal")
            }
        }
    }

    @Test func everyPersonalCategoryHasARetentionRule() async throws {
        try await TestApp.with { app in
            let policy = app.services.policyState.current.policy
            for category in policy.categories where category.personal {
                #expect(policy.retention(for: category.id) != nil, "\(category.id) has no retention rule")
            }
        }
    }

    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["STEWARD_TEST_DATABASE_URL"] == nil,
            "reads SQLite's catalogue; the migrations create the same columns on PostgreSQL"))
    func everyPersonalLookingColumnInTheSchemaIsRegistered() async throws {
        try await TestApp.with { app in
            let sql = app.services.database.sql
            let tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table'").all()
                .map { try $0.decode(column: "name", as: String.self) }
            var columns: Set<String> = []
            for table in tables {
                for row in try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all() {
                    columns.insert(table + "." + (try row.decode(column: "name", as: String.self)))
                }
            }
            let registered = Set(PersonalDataRegistry.fields.map { $0.table + "." + $0.column })
            for column in columns where PersonalDataRegistry.looksPersonal(String(column.split(separator: ".")[1])) {
                #expect(
                    registered.contains(column), "\(column) stores personal data but is not in PersonalDataRegistry")
            }
            for field in registered {
                #expect(columns.contains(field), "\(field) is registered but does not exist")
            }
        }
    }

    @Test func everyUseOfACategoryIsAllowedToItsPurpose() async throws {
        try await TestApp.with { app in
            let policy = app.services.policyState.current.policy
            for access in PersonalDataRegistry.accesses {
                let purpose = policy.purpose(access.purpose)
                #expect(purpose != nil, "purpose \(access.purpose) (\(access.use)) is not in the policy")
                #expect(
                    purpose?.categories.contains(access.category) == true,
                    "\(access.use): the policy does not let \(access.purpose) use \(access.category)")
            }
        }
    }

    @Test func theOutboxRefusesAPurposeThatMayNotUseAddresses() async throws {
        try await TestApp.with { app in
            await #expect(throws: OutboxError.self) {
                try await app.services.database.transaction { db in
                    let mail = OutgoingMail(
                        to: "x@example.test", name: nil, subject: "s", template: "verify", model: [:], kind: "test",
                        purpose: "audit_security")
                    try await app.services.outbox.enqueue(mail, sealedFor: nil, on: db)
                }
            }
        }
    }
}

import SQLKit

/// One step of the schema. Numbered, registered once in ``Migrations/all``, never edited after it has landed.
public protocol Migration: Sendable {
    /// The migration's id, its number and name: `0007_CreateConsentsTable`.
    var id: String { get }
    /// Applies the step.
    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws
    /// Undoes the step.
    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws
}

/// Column helpers shared by the migrations, so every table spells the common columns the same way.
extension SQLCreateTableBuilder {
    /// A text primary key named `id` (ids are UUIDs or token hashes made by Steward).
    @discardableResult
    func textID() -> Self {
        column("id", type: .text, .primaryKey(autoIncrement: false), .notNull)
    }

    /// `created_at` and `updated_at`, milliseconds since 1970 (one portable integer type on both engines).
    @discardableResult
    func timestamps() -> Self {
        column("created_at", type: .bigint, .notNull).column("updated_at", type: .bigint, .notNull)
    }
}

import SQLKit

/// SQLite: moves the per-person data keys into the key store, the second file every connection attaches
/// (`steward-keys.sqlite`). A copy of the database file then holds no key, so erasing a person also makes the copies
/// taken before unreadable for them. Unqualified `data_keys` in queries now finds the key store's table.
///
/// PostgreSQL keeps `data_keys` in the database (it cannot join across databases); see docs/PRIVACY-OPERATIONS.md.
struct MoveDataKeysToKeystore: Migration {
    let id = "0017_MoveDataKeysToKeystore"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        guard kind == .sqlite else { return }
        try await database.raw(
            """
            CREATE TABLE IF NOT EXISTS keystore.data_keys (
                subject_id TEXT PRIMARY KEY NOT NULL, wrapped_key BLOB NOT NULL, created_at BIGINT NOT NULL)
            """
        ).run()
        try await database.raw(
            """
            INSERT OR IGNORE INTO keystore.data_keys (subject_id, wrapped_key, created_at)
            SELECT subject_id, wrapped_key, created_at FROM main.data_keys
            """
        ).run()
        try await database.raw("DROP TABLE main.data_keys").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        guard kind == .sqlite else { return }
        try await database.raw(
            """
            CREATE TABLE main.data_keys (
                subject_id TEXT PRIMARY KEY NOT NULL, wrapped_key BLOB NOT NULL, created_at BIGINT NOT NULL)
            """
        ).run()
        try await database.raw(
            """
            INSERT INTO main.data_keys (subject_id, wrapped_key, created_at)
            SELECT subject_id, wrapped_key, created_at FROM keystore.data_keys
            """
        ).run()
        try await database.raw("DROP TABLE keystore.data_keys").run()
    }
}

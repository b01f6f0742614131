import SQLKit

/// One wrapped data key per person; deleting the row crypto-shreds everything sealed with it.
struct CreateDataKeysTable: Migration {
    let id = "0002_CreateDataKeysTable"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "data_keys")
            .column("subject_id", type: .text, .primaryKey(autoIncrement: false), .notNull)
            .column("wrapped_key", type: .blob, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "data_keys").run()
    }
}

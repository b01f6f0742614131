import Foundation
import SQLKit
import Storage
import Vault

/// The per-person data keys: created with the person, unwrapped to read their data, destroyed to erase it.
///
/// Keys live in `data_keys`, wrapped by the master key. With SQLite that table is in the key store, a second file
/// beside the database (`steward-keys.sqlite`), so a copy of the database holds no key: destroying a person's row
/// makes every ciphertext sealed with their key unreadable, in the live database and in every copy of the database
/// taken before. (With PostgreSQL the table is in the database itself.)
public struct Keyring: Sendable {
    let master: MasterKey
    private let database: Database

    /// Creates a keyring.
    public init(master: MasterKey, database: Database) {
        self.master = master
        self.database = database
    }

    /// Creates and stores a new data key for a subject.
    /// - Parameter db: The transaction that creates the person.
    public func create(subject: String, now: Int64, on db: any SQLDatabase) async throws -> DataKey {
        let key = DataKey.generate()
        try await db.insert(into: "data_keys").columns("subject_id", "wrapped_key", "created_at")
            .values(SQLBind(subject), SQLBind(Data(master.wrap(key, subject: subject))), SQLBind(now))
            .run()
        return key
    }

    /// The subject's data key, or nil when it was destroyed.
    public func key(for subject: String, on db: (any SQLDatabase)? = nil) async throws -> DataKey? {
        guard
            let row = try await (db ?? database.sql).select().column("wrapped_key").from("data_keys")
                .where("subject_id", .equal, subject).first()
        else { return nil }
        let wrapped = try row.decode(column: "wrapped_key", as: Data.self)
        return try master.unwrap(Array(wrapped), subject: subject)
    }

    /// Destroys the subject's data key: crypto-shredding.
    public func destroy(subject: String, on db: any SQLDatabase) async throws {
        try await db.delete(from: "data_keys").where("subject_id", .equal, subject).run()
    }

    /// The key for system secrets that belong to no person (`purpose` names the use).
    public func systemKey(_ purpose: String) -> DataKey {
        master.derivedKey(purpose: purpose)
    }

    /// The keyed blind index of an e-mail address.
    public func emailIndex(_ email: String) -> String {
        master.blindIndex(EmailNormalizer.normalize(email), domain: "email")
    }
}

extension DataKey {
    /// Seals a text for a column, as bytes ready to bind.
    func sealColumn(_ value: String, _ column: String) -> Data {
        Data(seal(value, context: column))
    }

    /// Opens a column's bytes.
    func openColumn(_ data: Data, _ column: String) throws -> String {
        try open(Array(data), context: column)
    }
}

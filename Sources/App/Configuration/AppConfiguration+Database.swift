import Storage

extension AppConfiguration {
    /// The database to open: the PostgreSQL server of the database URL, or the SQLite file in the data folder.
    public var databaseLocation: DatabaseLocation {
        databaseURL.flatMap { DatabaseLocation(url: $0) } ?? .sqlite(path: sqlitePath)
    }
}

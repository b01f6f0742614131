import Foundation
import Logging
import Vault

/// Finds the master key: from configuration, else `master.key` in the data folder, created in development.
enum MasterKeyLoader {
    /// Why the master key is unusable.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func load(_ configuration: AppConfiguration, logger: Logger) throws -> MasterKey {
        if let text = configuration.masterKey {
            return try MasterKey(base64: text)
        }
        let path = configuration.dataDirectory + "/master.key"
        let files = FileManager.default
        if files.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            do {
                return try MasterKey(base64: text)
            } catch {
                throw Failure(description: "\(path) does not hold a base64 32-byte key: restore it from your backup")
            }
        }
        guard configuration.environment == .development else {
            throw Failure(description: "no master key: set STEWARD_MASTER_KEY")
        }
        try files.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let key = MasterKey.generate()
        guard files.createFile(atPath: path, contents: Data(key.base64.utf8), attributes: [.posixPermissions: 0o600])
        else { throw Failure(description: "cannot write \(path)") }
        logger.warning(
            "created a development master key; production needs its own in STEWARD_MASTER_KEY, kept outside the data folder",
            metadata: ["file": "\(path)"])
        return key
    }
}

import App
import ArgumentParser
import Foundation
import Policy

/// `steward policy`: check, publish and report on the privacy policy file.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Check, publish and document the privacy policy file.",
        subcommands: [Check.self, Publish.self, ROPA.self])

    /// `steward policy check [FILE]`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy file and print every problem with its line (exit 1 when there are any).")

        @Argument(help: "The policy file (default: STEWARD_POLICY_FILE or policy/policy.yaml).")
        var file: String?

        func run() async throws {
            let path = file ?? ProcessInfo.processInfo.environment["STEWARD_POLICY_FILE"] ?? "policy/policy.yaml"
            guard let source = try? String(contentsOfFile: path, encoding: .utf8) else {
                FileHandle.standardError.write(Data("\(path): cannot read the file\n".utf8))
                throw ExitCode(2)
            }
            switch PolicyLoader.load(yaml: source, file: path) {
            case .success(let policy):
                print(
                    "\(path): valid. Version \(policy.version) of \(policy.date): \(policy.categories.count) categories, "
                        + "\(policy.purposes.count) purposes, \(policy.recipients.count) recipients, "
                        + "\(policy.cookies.count) cookies; requests answered within \(policy.requests.deadlineDays) days."
                )
            case .failure(let errors):
                FileHandle.standardError.write(Data((errors.description + "\n").utf8))
                FileHandle.standardError.write(Data("\(errors.issues.count) problem(s) in \(path)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    /// `steward policy publish`.
    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish the policy file as a new version when it changed, and notify every member.")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try await common.configuration()
            let logger = makeLogger()
            let report = try await withServices(configuration, logger: logger) { services in
                try await services.publishPolicy(
                    progress: { done, total in
                        guard total > 0 else { return }
                        let width = 30
                        let filled = total == 0 ? width : done * width / total
                        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                        FileHandle.standardError.write(Data("\rNotifying members [\(bar)] \(done)/\(total)".utf8))
                        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
                    }, logger: logger)
            }
            guard report.published else {
                print("The policy file equals the published version \(report.version): nothing to publish.")
                return
            }
            print("Published version \(report.version).")
            for change in report.changes { print("  - \(change)") }
            if !report.suspended.isEmpty {
                print("Suspended until members consent again: \(report.suspended.joined(separator: ", "))")
            }
            print("Notified \(report.notified) member(s): an in-app message and an e-mail each.")
        }
    }

    /// `steward policy ropa`.
    struct ROPA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ropa",
            abstract: "Write the record of processing activities (GDPR Art. 30) as Markdown and JSON.")

        @Argument(help: "The policy file (default: STEWARD_POLICY_FILE or policy/policy.yaml).")
        var file: String?

        @Option(name: .long, help: "Folder to write ropa.md and ropa.json into.")
        var output: String = "."

        func run() async throws {
            let path = file ?? ProcessInfo.processInfo.environment["STEWARD_POLICY_FILE"] ?? "policy/policy.yaml"
            guard let source = try? String(contentsOfFile: path, encoding: .utf8) else {
                FileHandle.standardError.write(Data("\(path): cannot read the file\n".utf8))
                throw ExitCode(2)
            }
            switch PolicyLoader.load(yaml: source, file: path) {
            case .success(let policy):
                let formatter = ISO8601DateFormatter()
                let record = RecordOfProcessing(policy, generatedAt: formatter.string(from: Date()))
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                try record.markdown().write(toFile: output + "/ropa.md", atomically: true, encoding: .utf8)
                try record.json().write(toFile: output + "/ropa.json", atomically: true, encoding: .utf8)
                print("Wrote \(output)/ropa.md and \(output)/ropa.json (policy version \(policy.version)).")
            case .failure(let errors):
                FileHandle.standardError.write(Data((errors.description + "\n").utf8))
                throw ExitCode(1)
            }
        }
    }
}

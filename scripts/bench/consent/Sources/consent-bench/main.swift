import Foundation
import Policy

// Usage: consent-bench POLICY_FILE [DECISIONS]
// Loads the policy, builds the consent engine as Steward does, and times DECISIONS decide() calls over a mix of
// purposes, categories and consent states (granted, withdrawn, suspended, none, GPC). Prints decisions/s.
let arguments = CommandLine.arguments
guard arguments.count >= 2, let source = try? String(contentsOfFile: arguments[1], encoding: .utf8) else {
    FileHandle.standardError.write(Data("usage: consent-bench POLICY_FILE [DECISIONS]\n".utf8))
    exit(2)
}
let count = arguments.count >= 3 ? Int(arguments[2]) ?? 10_000_000 : 10_000_000
guard case .success(let policy) = PolicyLoader.load(yaml: source, file: arguments[1]) else {
    FileHandle.standardError.write(Data("the policy file is not valid; run steward policy check\n".utf8))
    exit(1)
}
let consentPurposes = policy.consentPurposes.map(\.id)
let engine = ConsentEngine(
    policy: policy, purposeRevisions: [consentPurposes.first ?? "": policy.version + 1],
    gpcPurposes: Set(policy.consentRecipients.map(\.id)))
let pairs = policy.purposes.flatMap { purpose in purpose.categories.map { (purpose.id, $0) } } + [("unknown", "contact")]
var states: [ConsentState] = []
for variant in 0..<5 {
    var grants: [String: ConsentGrant] = [:]
    for (index, id) in consentPurposes.enumerated() where (index + variant) % 3 != 0 {
        grants[id] = ConsentGrant(granted: (index + variant) % 2 == 0, policyVersion: policy.version, at: 1)
    }
    states.append(ConsentState(grants: grants, globalPrivacyControl: variant == 4))
}
var allowed = 0
let start = ContinuousClock.now
for index in 0..<count {
    let (purpose, category) = pairs[index % pairs.count]
    if engine.decide(purpose: purpose, category: category, state: states[index % states.count]).isAllowed {
        allowed += 1
    }
}
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(
    "decisions=\(count) seconds=\(String(format: "%.3f", seconds)) per_second=\(String(format: "%.0f", Double(count) / seconds)) allowed=\(allowed)"
)

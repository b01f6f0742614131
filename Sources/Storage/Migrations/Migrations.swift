/// The ordered list of every migration. Append only.
public enum Migrations {
    /// Every migration Steward has, oldest first.
    public static let all: [any Migration] = [
        CreateJobsTable(),
        CreateDataKeysTable(),
        CreateMembersTable(),
        CreateSessionsTables(),
        CreateAccountTokensTable(),
        CreateSecurityEventsTable(),
        CreateAuditLogTables(),
        CreateStaffTables(),
        CreateOutboxTable(),
        CreatePolicyTables(),
        CreateMailingTables(),
        CreateAnalyticsTables(),
        CreateStaffTokensTable(),
        AddMemberActivity(),
        AddMemberRestriction(),
        CreatePrivacyRequestsTable(),
        MoveDataKeysToKeystore(),
        CreateMailTrackingTables(),
    ]
}

import TWAdvise

let advisor = try Advisor()                                  // built-in rules and runbooks, no file on disk
let snapshot = SnapshotReader().read()                       // the live host, read-only
let diagnosis = advisor.diagnose(snapshot, minimumSeverity: .low)
for finding in diagnosis.findings {                          // rank order
    print(finding.severity, finding.id, finding.subject ?? "")
}
print(try diagnosis.markdown())

// One import for embedders: `import TWAdvise` brings the snapshot model and readers (TWAdviseFacts) and the
// rules engine's types (TWAdviseEngine) that the Advisor API speaks in.
@_exported public import TWAdviseEngine
@_exported public import TWAdviseFacts

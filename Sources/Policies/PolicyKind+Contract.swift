extension PolicyKind {
    /// The fields of the table the entry function receives, as the input type declares them.
    public var inputFields: [PolicyField] {
        switch self {
        case .rollout: RolloutInput.fields.map(\.field)
        case .severity: MonitoringSnapshot.fields.map(\.field)
        case .cleanup: CleanupInput.fields.map(\.field)
        case .escalation: EscalationInput.fields.map(\.field)
        }
    }

    /// The fields of the result, as the result type declares them.
    public var resultFields: [PolicyField] {
        switch self {
        case .rollout: RolloutDecision.fields
        case .severity: SeverityDecision.fields
        case .cleanup: CleanupPlan.fields
        case .escalation: EscalationDecision.fields
        }
    }
}

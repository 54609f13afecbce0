extension PolicyKind {
    /// The fields of the table the entry function receives, as the input type declares them.
    public var inputFields: [PolicyField] {
        switch self {
        case .rollout: RolloutInput.fields.map(\.field)
        case .severity: MonitoringSnapshot.fields.map(\.field)
        case .cleanup: CleanupInput.fields.map(\.field)
        case .escalation: EscalationInput.fields.map(\.field)
        case .admission: AdmissionInput.fields.map(\.field)
        case .routing: RoutingInput.fields.map(\.field)
        }
    }

    /// The fields of the result, as the result type declares them.
    public var resultFields: [PolicyField] {
        switch self {
        case .rollout: RolloutDecision.fields
        case .severity: SeverityDecision.fields
        case .cleanup: CleanupPlan.fields
        case .escalation: EscalationDecision.fields
        case .admission: AdmissionDecision.fields
        case .routing: RoutingDecision.fields
        }
    }

    /// The Swift file that declares the contract: the place to change it.
    public var contractFile: String {
        "Sources/Policies/\(rawValue.prefix(1).uppercased() + rawValue.dropFirst())Contract.swift"
    }

    /// This policy's "Input" and "Output" sections of docs/policies.md, between the markers
    /// scripts/regen-docs.sh replaces (a test checks the docs hold exactly this text).
    public var contractMarkdown: String {
        var parts = ["<!-- \(fileName) contract, generated from \(contractFile): edit it there, then run scripts/regen-docs.sh -->",
                     "### Input", Self.table(["field", "type", "meaning"], inputFields)]
        if let note = inputNote { parts.append(note) }
        parts += ["### Output", Self.table(["field", "type", "meaning"], resultFields)]
        if self == .escalation {
            parts += ["Action tables:", Self.table(["`type`", "fields", "effect"], EscalationDecision.Action.fields)]
        }
        parts.append("<!-- end of \(fileName) contract -->")
        return parts.joined(separator: "\n\n") + "\n"
    }

    private var inputNote: String? {
        switch self {
        case .rollout: RolloutInput.note
        case .severity: MonitoringSnapshot.note
        case .cleanup: CleanupInput.note
        case .escalation: EscalationInput.note
        case .admission: AdmissionInput.note
        case .routing: RoutingInput.note
        }
    }

    private static func table(_ header: [String], _ fields: [PolicyField]) -> String {
        let rows = fields.map { row(["`\($0.path)`", $0.type, $0.meaning]) }
        return ([row(header), "|" + String(repeating: "---|", count: header.count)] + rows).joined(separator: "\n")
    }

    private static func row(_ cells: [String]) -> String {
        "|" + cells.map { $0.isEmpty ? " |" : " \($0) |" }.joined()
    }
}

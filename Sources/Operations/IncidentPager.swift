import Foundation
import Storage

/// Turns "page these roles with this template" into one outbox row per destination of the
/// contacts file, however many of its roles were named (five roles on one Slack channel are one
/// message), and holds pages that a silence or maintenance window matches (recorded as
/// `silenced`, never sent).
///
/// Acknowledgements and resolutions go only where a page went: a destination that never heard
/// of an incident does not get its resolution, and one that did always gets it, silence or not
/// (a PagerDuty alert left triggered would keep paging people).
struct IncidentPager: Sendable {
    let store: SQLiteStore
    let contacts: ContactBook

    /// What happened to one event's pages, for the timeline.
    struct Outcome: Sendable, Equatable {
        var queued: [String] = []
        var silencedBy: String?
        var held: [String] = []
        /// Roles the contacts file reaches nowhere.
        var unreached: [String] = []

        var isEmpty: Bool { queued.isEmpty && held.isEmpty && unreached.isEmpty }
    }

    /// Queues `template` for `roles`. With `onlyWherePaged`, destinations that never got a page
    /// for this incident are skipped.
    func page(_ incident: StoredIncident, template: String, roles: [String], text: String, at: Date,
              onlyWherePaged: Bool = false) async throws -> Outcome {
        var targets = contacts.destinations(for: roles)
        let reached = Set(targets.flatMap(\.roles))
        var outcome = Outcome(unreached: onlyWherePaged ? [] : roles.filter { !reached.contains($0) })
        if onlyWherePaged {
            let paged = Set(try await store.pagedDestinations(incidentID: incident.id))
            targets = targets.filter { paged.contains($0.destination.name) }
        }
        guard !targets.isEmpty else { return outcome }
        // Silences hold what would start a conversation, never the end of one already started.
        let silence = onlyWherePaged ? nil : try await silence(for: incident, at: at)
        outcome.silencedBy = silence?.id
        for (destination, reached) in targets {
            try await store.enqueueNotification(QueuedPage(
                incidentID: incident.id, channel: destination.name, kind: destination.kindName,
                target: reached.joined(separator: ", "), template: template, text: text, severity: incident.severity,
                silencedBy: silence?.id), at: at)
            let line = "\(destination.name) (\(reached.joined(separator: ", ")))"
            if silence == nil { outcome.queued.append(line) } else { outcome.held.append(line) }
        }
        return outcome
    }

    /// PagerDuty's `acknowledge`: to every PagerDuty destination that was paged.
    func acknowledge(_ incident: StoredIncident, by who: String, at: Date) async throws {
        let paged = try await store.pagedDestinations(incidentID: incident.id)
        for name in paged {
            guard let destination = contacts.destination(named: name), case .pagerDuty = destination.kind else { continue }
            try await store.enqueueNotification(QueuedPage(
                incidentID: incident.id, channel: name, kind: destination.kindName, target: "",
                template: "acknowledgement", text: "\(incident.id) acknowledged by \(who)", severity: incident.severity), at: at)
        }
    }

    /// The first active silence or maintenance window that matches the incident.
    func silence(for incident: StoredIncident, at: Date) async throws -> StoredSilence? {
        let reasons = incident.reasons + [incident.title].compactMap { $0 }
        return try await store.activeSilences(at: at).first { $0.matches(severity: incident.severity, reasons: reasons) }
    }

    static func describe(_ template: String, _ outcome: Outcome) -> String {
        var parts: [String] = []
        if !outcome.unreached.isEmpty {
            parts.append("\(template): no destination reaches \(outcome.unreached.joined(separator: ", ")) (contacts file)")
        }
        if !outcome.queued.isEmpty { parts.append("\(template) paged to \(outcome.queued.joined(separator: ", "))") }
        if let id = outcome.silencedBy, !outcome.held.isEmpty {
            parts.append("\(template) held by \(id) for \(outcome.held.joined(separator: ", ")) (recorded, not sent)")
        }
        return parts.joined(separator: "; ")
    }
}

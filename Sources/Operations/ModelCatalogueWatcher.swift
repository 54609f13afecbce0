import Foundation
import LLM
import Logging
import Metrics
import OracleCore
import ServiceLifecycle
import Synchronization

/// Reloads the models file (`MODELS_FILE`) within a second of an edit, once two reads half a
/// second apart find the same text (a file caught half-written is not applied): a file that
/// reads and validates replaces the catalogue (providers whose definition did not change keep their
/// breaker and health); one that does not is refused with the reason in the log and
/// `model_catalogue_reloads_total{outcome="refused"}`, and the last good catalogue stays in
/// force. A file that disappears also leaves the catalogue as it is (said once): the server
/// never falls back to other settings behind the operator's back.
///
/// ```swift
/// let watcher = ModelCatalogueWatcher(path: config.modelsFile, router: router, build: build, logger: logger)
/// watcher.checkOnce()   // .reloaded, .refused(reason), .unchanged or .missing
/// ```
public final class ModelCatalogueWatcher: Service, Sendable {
    public enum Outcome: Sendable, Equatable {
        case unchanged, reloaded, missing
        /// Changed since the last read: applied when the next read finds the same text.
        case settling
        case refused(String)
    }

    let path: String
    let environment: [String: String]
    let router: ModelRouter
    let build: @Sendable (ModelCatalogue.Provider, ModelCatalogue) -> any LLMProvider
    let interval: Duration
    let logger: Logger
    /// The text last acted on (loaded or refused), so each edit is reported once.
    private let seen: Mutex<String?>
    /// A new text read once, waiting for a second read to find it unchanged.
    private let pending = Mutex<String?>(nil)
    private let reloaded: Counter
    private let refused: Counter

    /// - Parameters:
    ///   - initialText: the file's text the running catalogue came from (nil: no file at start).
    ///   - build: a provider for a new or changed catalogue entry (and the catalogue it is in).
    public init(path: String, environment: [String: String] = ProcessInfo.processInfo.environment, initialText: String?,
                router: ModelRouter, build: @escaping @Sendable (ModelCatalogue.Provider, ModelCatalogue) -> any LLMProvider,
                interval: Duration = .milliseconds(500), logger: Logger, metrics factory: any MetricsFactory = MetricsSystem.factory) {
        self.path = path
        self.environment = environment
        self.router = router
        self.build = build
        self.interval = interval
        self.logger = logger
        seen = Mutex(initialText)
        reloaded = Counter(label: "model_catalogue_reloads_total", dimensions: [("outcome", "reloaded")], factory: factory)
        refused = Counter(label: "model_catalogue_reloads_total", dimensions: [("outcome", "refused")], factory: factory)
    }

    /// Reads the file once and acts on a change.
    @discardableResult
    public func checkOnce() -> Outcome {
        let text: String?
        do {
            text = try YAMLConfigFile.read(path, maxBytes: ModelCatalogueFile.maxFileBytes)
        } catch {
            // Said once per problem, not every second.
            let marker = "\u{0}\(error.description)"
            guard seen.withLock({ $0 }) != marker else { return .unchanged }
            seen.withLock { $0 = marker }
            return refuse(error.description)
        }
        guard let text else {
            let wasPresent = seen.withLock { seen in defer { seen = nil }; return seen != nil }
            if wasPresent {
                logger.warning("models file removed; the catalogue in force stays until the server restarts",
                               metadata: ["models.file": "\(path)"])
            }
            return .missing
        }
        guard seen.withLock({ $0 }) != text else {
            pending.withLock { $0 = nil }
            return .unchanged
        }
        let settled = pending.withLock { pending in
            defer { pending = text }
            return pending == text
        }
        guard settled else { return .settling }
        pending.withLock { $0 = nil }
        seen.withLock { $0 = text }
        let catalogue: ModelCatalogue
        do {
            catalogue = try ModelCatalogueFile.parse(text, path: path, environment: environment)
        } catch {
            return refuse(error.description)
        }
        router.replace(catalogue) { build($0, catalogue) }
        reloaded.increment()
        logger.notice("models file reloaded", metadata: [
            "models.file": "\(path)", "models.count": "\(catalogue.models.count)",
            "models.providers": "\(catalogue.providers.map(\.name).joined(separator: ","))",
            "models.default": "\(catalogue.defaultModel.name)",
        ])
        return .reloaded
    }

    private func refuse(_ reason: String) -> Outcome {
        refused.increment()
        logger.error("models file refused; the last good catalogue stays in force", metadata: ["models.error": "\(reason)"])
        return .refused(reason)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                return
            }
            checkOnce()
        }
    }
}

extension ModelCatalogueWatcher: CustomStringConvertible {
    public var description: String { "ModelCatalogueWatcher" }
}

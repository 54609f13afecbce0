import Hummingbird
import Operations
import OracleCore
import Prometheus

/// `GET /metrics`: everything the process recorded through swift-metrics (HTTP, LLM, policies,
/// session cache, incidents), in the Prometheus text format, plus the process's resident memory
/// read at scrape time. Open like `/health`: it carries counts and templates, never ids or text.
struct MetricsRoutes {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let registry: PrometheusCollectorRegistry
    let residentMemory: Gauge
    let memoryInUse: Gauge

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        residentMemory = registry.makeGauge(name: "process_resident_memory_bytes", help: "Resident memory size in bytes.")
        memoryInUse = registry.makeGauge(
            name: "system_memory_usage_ratio", help: "Memory in use over the container limit (or the host's total), 0-1.")
    }

    func register(on router: Router<OracleRequestContext>) {
        router.get("metrics") { _, _ in scrape() }
    }

    func scrape() -> Response {
        let memory = SystemMemory.read()
        if let resident = memory.processResidentBytes { residentMemory.set(to: Double(resident)) }
        if memory.source != .unknown { memoryInUse.set(to: memory.usagePercent / 100) }
        return Response(
            status: .ok, headers: [.contentType: Self.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}

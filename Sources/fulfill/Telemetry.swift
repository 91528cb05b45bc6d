import FulfillmentServer
import Logging
import OTel
import ServiceLifecycle

/// What `fulfill serve` reports beside its answers and `/metrics`: its log lines (`LOG_FORMAT`, text or JSON)
/// and, when an OTLP endpoint is set (the standard `OTEL_EXPORTER_OTLP_ENDPOINT`, or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), its traces, exported by swift-otel over OTLP/HTTP (protobuf by
/// default, `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` for JSON; the other `OTEL_*` settings apply as swift-otel
/// reads them). Bootstraps the process-wide logging and instrumentation systems, as the Swift server
/// ecosystem expects of an executable (libraries, Hummingbird and AsyncHTTPClient included, log and trace
/// through them): call it once, before anything logs.
enum Telemetry {
    enum LogFormat: String {
        case text, json
    }

    /// Whether the environment asks for traces.
    static func tracesWanted(_ environment: [String: String]) -> Bool {
        let endpoint = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"]
        return !(endpoint ?? "").isEmpty && environment["OTEL_SDK_DISABLED"]?.lowercased() != "true"
    }

    /// Bootstraps logging in `format` and, if `tracesWanted`, tracing; returns the exporter's service (run it in
    /// the process's group, stopping last, so the last spans are flushed), or `nil` without tracing.
    static func bootstrap(format: LogFormat, environment: [String: String]) throws -> (any Service)? {
        var exporter: (any Service)?
        if tracesWanted(environment) {
            var configuration = OTel.Configuration.default
            configuration.serviceName = "stripe-fulfillment"
            // Traces only: logs go to standard error (below) and metrics to the Prometheus endpoint.
            configuration.logs.enabled = false
            configuration.metrics.enabled = false
            configuration.diagnosticLogLevel = .warning
            exporter = try OTel.bootstrap(configuration: configuration, environment: environment)
        }
        let provider: Logger.MetadataProvider? = exporter == nil ? nil : OTel.makeLoggingMetadataProvider()
        switch format {
        case .json:
            LoggingSystem.bootstrap({ label, provider in JSONLogHandler.standardError(label: label, metadataProvider: provider) }, metadataProvider: provider)
        case .text:
            LoggingSystem.bootstrap({ label, provider in StreamLogHandler.standardError(label: label, metadataProvider: provider) }, metadataProvider: provider)
        }
        return exporter
    }
}

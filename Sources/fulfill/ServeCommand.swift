import ArgumentParser
import Foundation
import FulfillmentServer
import Hummingbird
import ServiceLifecycle
import UnixSignals

/// `fulfill serve`: the service (webhook intake, workers, landing page, operations endpoints).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the fulfillment service.")

    @OptionGroup var options: ServiceOptions

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration (secrets redacted) and exit.")
    var printConfig = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = try await options.configuration(environment: environment)
        if printConfig {
            for line in EffectiveConfiguration.lines(configuration) { say(line) }
            return
        }
        let exporter = try Telemetry.bootstrap(format: try options.logFormat(environment: environment), environment: environment)
        let logger = try options.logger(environment: environment)
        let service = try await FulfillmentService(configuration: configuration, logger: logger)
        let systemd = SystemdNotifier(environment: environment)
        let readiness = service.readinessCheck
        let app = try service.application(onServerRunning: { channel in
            say(
                "Fulfillment service listening on http://\(configuration.host):\(channel.localAddress?.port ?? configuration.port)"
                    + " (database \(configuration.database.redacted))")
            // Under systemd (Type=notify): ready once /health/ready would say so (the migrations are applied).
            guard let systemd else { return }
            Task {
                while let problem = await readiness.problem() {
                    systemd.notify("STATUS=not ready: \(problem)")
                    try await Task.sleep(for: .milliseconds(250))
                }
                systemd.notify("READY=1\nSTATUS=serving")
            }
        })
        // The drain signal after the application: the first to hear SIGTERM, it turns the instance unready
        // before the application stops. The workers finish or give back what they hold within the shutdown
        // grace; anything still running then (a stuck connection) is cancelled, so the process exits in time.
        var group = ServiceGroupConfiguration(
            services: (exporter.map { [.init(service: $0)] } ?? []) + [.init(service: app), .init(service: service.drainSignal)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = configuration.shutdownGrace
        try await ServiceGroup(configuration: group).run()
    }
}

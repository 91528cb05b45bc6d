import ArgumentParser
import Foundation
import FulfillmentServer
import Hummingbird

/// `fulfill serve`: the service (webhook intake, workers, landing page, operations endpoints).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the fulfillment service.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = try options.configuration(environment: environment)
        let logger = try options.logger(environment: environment)
        let service = try await FulfillmentService(configuration: configuration, logger: logger)
        let app = try service.application(onServerRunning: { channel in
            say(
                "Fulfillment service listening on http://\(configuration.host):\(channel.localAddress?.port ?? configuration.port)"
                    + " (database \(configuration.database.redacted))")
        })
        try await app.runService()
    }
}

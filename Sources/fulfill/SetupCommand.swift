import ArgumentParser
import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI

/// `fulfill setup`: creates or updates the webhook endpoint on Stripe so that it receives exactly the event
/// types the service handles (both flows, refunds and disputes), prints a new endpoint's signing secret once,
/// and says what it changed. Run again, it changes nothing.
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Create or update the Stripe webhook endpoint for exactly the events the service handles.",
        discussion: "Uses STRIPE_SECRET_KEY and STRIPE_API_BASE like serve; the endpoint is PUBLIC_URL/webhook unless --webhook-url says otherwise.")

    @OptionGroup var options: ServiceOptions

    @Option(name: .customLong("webhook-url"), help: "The endpoint's URL (default PUBLIC_URL/webhook).")
    var webhookURL: String?

    @Flag(help: "Set up the Connect endpoint: the connected accounts' events (its secret is STRIPE_CONNECT_WEBHOOK_SECRET).")
    var connect = false

    @Flag(name: .customLong("event-destination"), help: "Set up an event destination of thin events (Stripe's recommendation) instead of a webhook endpoint.")
    var eventDestination = false

    func validate() throws {
        if connect && eventDestination {
            throw ValidationError("--connect and --event-destination are separate setups: run setup once for each.")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = try await options.configuration(environment: environment, requiresWebhookSecret: false)
        let logger = try options.logger(environment: environment)
        // The router of a service like the one that will run: its handled types are what the endpoint needs.
        // No database is opened for that.
        let service = try await FulfillmentService(configuration: configuration, logger: logger, store: MemoryFulfillmentStore())
        let url = webhookURL ?? configuration.publicURL + "/webhook"
        guard let scheme = URLComponents(string: url)?.scheme, scheme == "https" || scheme == "http" else {
            throw ValidationError("--webhook-url must be an http(s) URL (got \(url.prefix(80))).")
        }
        let kind: WebhookEndpointSetup.Kind = eventDestination ? .thinEventDestination : .webhookEndpoint(connect: connect)
        let setup = WebhookEndpointSetup(url: url, events: service.router.types, kind: kind, thinOnly: service.router.thinOnlyTypes)
        let outcome = try await setup.apply(using: service.stripe)
        let what = eventDestination ? "event destination (thin events)" : connect ? "Connect webhook endpoint" : "webhook endpoint"
        let secretName = connect ? "STRIPE_CONNECT_WEBHOOK_SECRET" : "STRIPE_WEBHOOK_SECRET"
        switch outcome.plan {
        case .create(_, let events):
            say("created \(what) \(outcome.endpointID) for \(url), receiving \(events.count) event types:")
            say("  " + events.joined(separator: ", "))
            if let secret = outcome.secret {
                say("Its signing secret, shown this once: set it as the service's \(secretName)\(eventDestination ? " (beside any other, comma-separated)" : "").")
                say("\(secretName)=\(secret)")
            }
        case .update(_, let events, let adding, let removing):
            say("updated \(what) \(outcome.endpointID) for \(url): now \(events.count) event types")
            if !adding.isEmpty { say("  added: " + adding.joined(separator: ", ")) }
            if !removing.isEmpty { say("  removed: " + removing.joined(separator: ", ")) }
            say("Its signing secret is unchanged.")
        case .unchanged:
            say("\(what) \(outcome.endpointID) for \(url) already receives exactly the \(setup.events.count) event types the service handles: nothing changed")
        }
    }
}

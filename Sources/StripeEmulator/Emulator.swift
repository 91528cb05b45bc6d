public import Hummingbird
public import NIOCore
public import Logging
public import ServiceLifecycle
import StripeAPI

/// The Stripe emulator: its state, its HTTP routes (API, hosted pages, test control) and the service that
/// delivers webhooks and runs timers. Mount it on any router, or run it alone with `application`.
public struct Emulator: Sendable {
    public let state: EmulatorState
    public let configuration: EmulatorConfiguration
    let outlet: DeliveryOutlet
    let logger: Logger

    /// The endpoint `--forward-to` registered, with its signing secret.
    public struct ForwardingEndpoint: Sendable {
        public var id: String
        public var url: String
        public var secret: String
    }

    /// The endpoint registered for `configuration.forwardTo`, if any.
    public let forwarding: ForwardingEndpoint?

    public init(configuration: EmulatorConfiguration, logger: Logger = Logger(label: "stripe.emulator")) async {
        let outlet = DeliveryOutlet()
        let state = EmulatorState(configuration: configuration, outlet: outlet)
        self.state = state
        self.configuration = configuration
        self.outlet = outlet
        self.logger = logger
        if let url = configuration.forwardTo {
            let endpoint = configuration.forwardThin
                ? await state.registerEventDestination(url: url, enabledEvents: ["*"], thin: true, secret: configuration.webhookSecret)
                : await state.registerEndpoint(url: url, enabledEvents: ["*"], secret: configuration.webhookSecret)
            forwarding = ForwardingEndpoint(id: endpoint.id, url: url, secret: endpoint.secret)
        } else {
            forwarding = nil
        }
    }

    /// Adds the `/v1` API, the hosted pages and `/_emulator` test control to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let responder = APIResponder(state: state, configuration: configuration, logger: logger)
        EmulatorAPIRoutes<Context>(responder: responder).register(on: router)
        EmulatorV2Routes<Context>(responder: responder).register(on: router)
        HostedPageRoutes<Context>(state: state).register(on: router)
        ControlRoutes<Context>(responder: responder).register(on: router)
        router.get("/") { _, _ in
            "Stripe emulator (account API version \(APIVersionShape.accountDefault); requests answered in their Stripe-Version). Point a Stripe SDK's api_base here.\n"
        }
    }

    /// Delivers webhooks and runs timers; add it to the service group that runs the routes.
    public var deliveryService: some Service {
        WebhookDeliveryService(state: state, outlet: outlet, configuration: configuration, logger: logger)
    }

    /// A stand-alone application serving the emulator on `host:port`.
    public func application(
        host: String = "127.0.0.1", port: Int = 12111,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        addRoutes(to: router)
        var app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "stripe-emulator"),
            onServerRunning: onServerRunning, logger: logger)
        app.addServices(deliveryService)
        return app
    }
}

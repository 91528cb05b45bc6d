import FulfillmentCore
import Foundation
public import Hummingbird
import Logging
import StripeAPI

/// The demo's shop window: a few products with fulfillment metadata, and a Buy button that creates a
/// Checkout Session whose `success_url` is the landing page. Mounted only by `fulfill demo`.
public struct DemoStore: Sendable {
    /// A product the demo sells.
    public struct Product: Sendable {
        public var slug: String
        public var name: String
        public var description: String
        public var amount: Int
        public var metadata: [String: String]
        public var stock: Int?
        public var adjustable: Bool
        /// Billed every month (a subscription through Checkout) rather than once.
        public var monthly = false
        public var priceID: String = ""
    }

    public static let catalog: [Product] = [
        Product(
            slug: "course", name: "Swift on the Server — video course", description: "Twelve hours of video, yours forever.",
            amount: 4900, metadata: ["fulfillment": "digital"], stock: nil, adjustable: false),
        Product(
            slug: "mug", name: "StripeFulfillment mug", description: "Stoneware, 350 ml. Only a few left.",
            amount: 1200, metadata: ["fulfillment": "physical", "sku": "MUG"], stock: 3, adjustable: false),
        Product(
            slug: "stickers", name: "Sticker pack", description: "Five vinyl stickers. Choose how many packs on the payment page.",
            amount: 300, metadata: ["fulfillment": "physical", "sku": "STICKERS"], stock: 100, adjustable: true),
        Product(
            slug: "club", name: "Server Swift club — monthly", description: "Every new episode while you are a member; cancel any time.",
            amount: 900, metadata: ["fulfillment": "digital"], stock: nil, adjustable: false, monthly: true),
    ]

    let service: FulfillmentService
    private let seeded: SeededProducts

    public init(service: FulfillmentService) {
        self.service = service
        self.seeded = SeededProducts()
    }

    /// The products, created in Stripe (the emulator) on first use, with their stock set in the store.
    public func products() async throws -> [Product] {
        try await seeded.get { try await Self.seed(service: service) }
    }

    static func seed(service: FulfillmentService) async throws -> [Product] {
        var seeded: [Product] = []
        for var product in catalog {
            let created = try await service.stripe.createProduct([
                "name": .string(product.name), "description": .string(product.description), "metadata": .map(product.metadata),
            ])
            var priceFields: FormValue = ["product": .string(created.id), "currency": "eur", "unit_amount": .int(product.amount)]
            if product.monthly { priceFields = priceFields.setting("recurring", ["interval": "month"]) }
            let price = try await service.stripe.createPrice(priceFields)
            product.priceID = price.id
            if let stock = product.stock, let sku = product.metadata["sku"] {
                try await service.store.setStock(sku: sku, quantity: stock)
            }
            seeded.append(product)
        }
        return seeded
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/") { _, _ in await page() }
        router.post("store/checkout") { request, _ in await checkout(request) }
        router.post("store/bank") { request, _ in await payByBank(request) }
    }

    func page() async -> Response {
        guard let products = try? await products() else {
            return service.pages.render(
                "landing", ["title": "Store unavailable", "heading": "The store cannot reach Stripe", "tone": "bad",
                            "message": "Start the emulator (or check STRIPE_API_BASE) and reload.", "refresh": 3],
                status: .serviceUnavailable)
        }
        var entries: [[String: Any]] = []
        for product in products {
            var entry: [String: Any] = [
                "slug": product.slug, "name": product.name, "description": product.description, "priceID": product.priceID,
                "price": Money.format(product.amount, "eur"), "kind": product.metadata["fulfillment"] ?? "",
                "adjustable": product.adjustable, "monthly": product.monthly,
            ]
            if let sku = product.metadata["sku"], let level = try? await service.store.stockLevel(sku: sku) { entry["stock"] = "\(level)" }
            entries.append(entry)
        }
        let methods = Self.bankMethods.map { ["value": $0.value, "label": $0.label] }
        return service.pages.render("store", ["title": "Demo store", "products": entries, "bankMethods": methods])
    }

    /// The product a store form names (by price id), the form, and its quantity (1 to 10).
    func chosenProduct(_ request: Request) async -> (product: Product, form: FormValue, quantity: Int)? {
        var request = request
        let form = (try? await request.collectBody(upTo: 16 * 1024)).flatMap { try? FormDecoder.decode(String(buffer: $0)) } ?? .empty
        guard let priceID = form["price"]?.stringValue, let products = try? await products(),
            let product = products.first(where: { $0.priceID == priceID })
        else { return nil }
        return (product, form, min(max(Int(form["quantity"]?.stringValue ?? "1") ?? 1, 1), 10))
    }

    func checkout(_ request: Request) async -> Response {
        guard let chosen = await chosenProduct(request) else { return service.pages.notFound() }
        let (product, quantity) = (chosen.product, chosen.quantity)
        var line: [FormField] = [FormField("price", .string(product.priceID)), FormField("quantity", .int(quantity))]
        if product.adjustable {
            line.append(FormField("adjustable_quantity", ["enabled": true, "minimum": 1, "maximum": 10]))
        }
        // A monthly product is a subscription: Checkout starts it, the service keeps it.
        var fields: [FormField] = [
            FormField("mode", product.monthly ? "subscription" : "payment"),
            FormField("success_url", .string("\(service.configuration.publicURL)/checkout/complete?session_id={CHECKOUT_SESSION_ID}")),
            FormField("cancel_url", .string("\(service.configuration.publicURL)/")),
            FormField("line_items", .array([.object(line)])),
            FormField("payment_method_types", product.monthly ? ["card"] : ["card", "sepa_debit"]),
        ]
        if product.metadata["fulfillment"] == "physical" {
            fields.append(FormField("shipping_address_collection", ["allowed_countries": ["DE", "FR", "NL", "AT", "US"]]))
        }
        do {
            let session = try await service.stripe.createCheckoutSession(.object(fields))
            guard let url = session.url else { return service.pages.notFound() }
            return Response.redirect(to: url, type: .normal)
        } catch {
            service.logger.error("demo store could not create a checkout session", metadata: ["error": "\(error)"])
            return service.pages.render("landing", ["title": "Try again", "heading": "The store could not start checkout", "tone": "bad", "message": "Please try again.", "retryURL": "/"], status: .badGateway)
        }
    }
}

extension DemoStore {
    /// Bank methods the demo offers beside Checkout: a PaymentIntent the customer authorises on the emulator's
    /// bank page; and the guide's Sources flow, kept for older accounts, labelled as the legacy it is (SOFORT only
    /// there: Stripe discontinued it, and it settles days later: advance the emulator's clock to see it confirmed).
    static let bankMethods: [(value: String, label: String)] = [
        ("ideal", "iDEAL | Wero (confirmed at once)"), ("bancontact", "Bancontact (confirmed at once)"),
        ("sources:ideal", "iDEAL, legacy Sources flow"), ("sources:bancontact", "Bancontact, legacy Sources flow"),
        ("sources:sofort", "SOFORT, legacy Sources flow (discontinued by Stripe)"),
    ]

    /// `POST /store/bank`: an order for the product by its Stripe price (priced and fulfilled from the price,
    /// never from the browser), paid with a PaymentIntent (or, for a `sources:` choice, a redirect source); the
    /// customer goes to the bank's page and comes back to the confirmation page.
    func payByBank(_ request: Request) async -> Response {
        // A monthly product is sold through Checkout only (a subscription), never as a one-time order.
        guard let chosen = await chosenProduct(request), !chosen.product.monthly else { return service.pages.notFound() }
        let (product, form, quantity) = chosen
        let choice = form["method"]?.stringValue.flatMap { value in Self.bankMethods.contains { $0.value == value } ? value : nil } ?? "ideal"
        let legacy = choice.hasPrefix("sources:")
        let method = legacy ? String(choice.dropFirst("sources:".count)) : choice
        let email = form["email"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "demo@example.com"
        var orderRequest = OrderRequest(
            items: [OrderItem(name: product.name, quantity: quantity, unitAmount: 0, price: product.priceID)], currency: "eur",
            email: email, paymentMethod: method, sofortCountry: method == "sofort" ? "DE" : nil,
            retryURL: "\(service.configuration.publicURL)/")
        orderRequest.paymentFlow = (legacy ? OrderPaymentFlow.sources : .paymentIntents).rawValue
        do {
            let payer = OrderPayer(merchant: false, ipAddress: "127.0.0.1", userAgent: request.headers[.userAgent])
            let order = try await service.orderDesk.createOrder(try orderRequest.validated(), payer: payer)
            return Response.redirect(to: order.redirectURL ?? service.payments.pageURL(orderID: order.id), type: .normal)
        } catch {
            service.logger.error("demo store could not create an order", metadata: ["error": "\(error)"])
            return service.pages.render(
                "landing", ["title": "Try again", "heading": "The store could not start the payment", "tone": "bad",
                            "message": "Please try again.", "retryURL": "/"], status: .badGateway)
        }
    }
}

/// Seeds once, however many requests ask at the same time; a failed seed is tried again next time.
actor SeededProducts {
    private var products: [DemoStore.Product]?
    private var seeding: Task<[DemoStore.Product], any Error>?

    func get(_ seed: @escaping @Sendable () async throws -> [DemoStore.Product]) async throws -> [DemoStore.Product] {
        if let products { return products }
        let task = seeding ?? Task { try await seed() }
        seeding = task
        do {
            let result = try await task.value
            products = result
            return result
        } catch {
            seeding = nil
            throw error
        }
    }
}

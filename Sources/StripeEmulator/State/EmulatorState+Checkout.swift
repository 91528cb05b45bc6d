import StripeAPI

extension EmulatorState {
    /// Stripe's maximum number of line items in `payment` mode.
    static let maximumLineItems = 100
    static let supportedCheckoutMethods: Set<String> = ["card", "sepa_debit", "ideal", "sofort", "bancontact"]

    func createCheckoutSession(_ call: APICall) throws(APIError) -> JSONValue {
        let session = try makeCheckoutSession(call.parameters, baseURL: call.baseURL)
        sessions[session.id] = session
        return try sessionJSON(session, expansions: call.parameters.expansions())
    }

    /// A new open session from creation parameters (the API's, or a Payment Link's), not stored yet.
    func makeCheckoutSession(_ parameters: Parameters, baseURL: String) throws(APIError) -> CheckoutSessionRecord {
        try parameters.allowOnly([
            "mode", "success_url", "cancel_url", "line_items", "customer_email", "customer", "metadata",
            "client_reference_id", "expires_at", "payment_method_types", "shipping_address_collection", "locale",
            "allow_promotion_codes", "after_expiration", "custom_fields", "consent_collection", "expand", "subscription_data",
        ])
        let locale = try parameters.string("locale")
        if let locale, !CheckoutPageTexts.stripeLocales.contains(locale) {
            throw .invalidRequest("Invalid locale: must be one of \(CheckoutPageTexts.stripeLocales.joined(separator: ", "))", param: "locale")
        }
        let mode = try parameters.requiredString("mode")
        guard mode == "payment" || mode == "subscription" else {
            throw .invalidRequest("The emulator supports mode=payment and mode=subscription (got \(mode.prefix(40))).", param: "mode")
        }
        let successURL = try parameters.requiredString("success_url", maxLength: 5000)
        let cancelURL = try parameters.string("cancel_url", maxLength: 5000)
        for (name, url) in [("success_url", successURL), ("cancel_url", cancelURL)] {
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw .invalidRequest("Not a valid URL", param: name, code: "url_invalid")
            }
        }
        guard let lines = try parameters.objects("line_items"), !lines.isEmpty else {
            throw .invalidRequest("Missing required param: line_items.", param: "line_items")
        }
        guard lines.count <= Self.maximumLineItems else {
            throw .invalidRequest(
                "You may only specify up to \(Self.maximumLineItems) line items in payment mode (got \(lines.count)).",
                param: "line_items")
        }
        let lineItems = try lines.map { line throws(APIError) in try makeLineItem(line) }
        let currency = lineItems[0].currency
        if let other = lineItems.first(where: { $0.currency != currency }) {
            throw .invalidRequest(
                "All line items must use the same currency (got \(currency) and \(other.currency)).", param: "line_items")
        }
        let customerID = try parameters.string("customer")
        if let customerID, customers[customerID] == nil { throw .missingReference("customer", customerID, param: "customer") }
        let customerEmail = try parameters.string("customer_email", maxLength: 800)
        if customerID != nil && customerEmail != nil {
            throw .invalidRequest("You may only specify one of these parameters: customer, customer_email.", param: "customer_email")
        }
        let created = nowSeconds
        let expiresAt = try parameters.int("expires_at", range: 0...9_999_999_999) ?? created + 24 * 3600
        guard (created + 30 * 60...created + 24 * 3600).contains(expiresAt) else {
            throw .invalidRequest(
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                param: "expires_at")
        }
        let methods = try parameters.strings("payment_method_types", maxCount: 10) ?? ["card"]
        for method in methods where !Self.supportedCheckoutMethods.contains(method) {
            throw .invalidRequest("Invalid payment_method_types[]: \(method) is not supported.", param: "payment_method_types")
        }
        var shippingCountries: [String]?
        if let shipping = try parameters.object("shipping_address_collection") {
            let countries = try shipping.strings("allowed_countries", maxCount: 250) ?? []
            guard !countries.isEmpty, countries.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isUppercase) }) else {
                throw .invalidRequest(
                    "shipping_address_collection[allowed_countries] must list two-letter country codes.",
                    param: "shipping_address_collection[allowed_countries]")
            }
            shippingCountries = countries
        }
        let id = makeID("cs_test_", length: 58)
        var session = CheckoutSessionRecord(
            id: id, created: created, expiresAt: expiresAt, currency: currency, successURL: successURL,
            cancelURL: cancelURL, customerEmail: customerEmail ?? customerID.flatMap { customers[$0]?.email },
            customerID: customerID, clientReferenceID: try parameters.string("client_reference_id", maxLength: 200),
            metadata: try parameters.metadata(), paymentMethodTypes: methods, lineItems: lineItems,
            shippingCountries: shippingCountries, locale: locale, pageURL: "\(baseURL)/c/pay/\(id)")
        let recurring = lineItems.map { prices[$0.priceID]?.recurring != nil }
        if mode == "subscription" {
            guard recurring.contains(true) else {
                throw .invalidRequest("You must provide at least one recurring price in `subscription` mode when using prices.", param: "line_items")
            }
            guard recurring.allSatisfy({ $0 }) else {
                throw .invalidRequest("The emulator's subscription sessions take recurring prices only.", param: "line_items")
            }
            session.subscriptionMode = true
            if let data = try parameters.object("subscription_data") {
                try data.allowOnly(["trial_period_days", "metadata"])
                session.subscriptionTrialDays = try data.int("trial_period_days", range: 1...730)
                session.subscriptionMetadata = try data.metadata()
            }
        } else if recurring.contains(true) {
            throw .invalidRequest(
                "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
                param: "line_items")
        }
        session.allowPromotionCodes = try parameters.bool("allow_promotion_codes") ?? false
        session.recoveryEnabled = try parameters.object("after_expiration")?.object("recovery")?.bool("enabled") ?? false
        session.customFields = try Self.customFields(parameters)
        if let consent = try parameters.object("consent_collection") {
            try consent.allowOnly(["terms_of_service", "promotions"])
            session.termsOfServiceRequired = try consent.string("terms_of_service") == "required"
            session.promotionsConsentAsked = try consent.string("promotions") == "auto"
        }
        return session
    }

    /// `custom_fields[]`: at most three, each with a `key`, a custom `label` and a `type` (dropdowns with options).
    static func customFields(_ parameters: Parameters) throws(APIError) -> [CustomFieldRecord] {
        var fields: [CustomFieldRecord] = []
        for field in try parameters.objects("custom_fields") ?? [] {
            let key = try field.requiredString("key", maxLength: 200)
            guard key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw .invalidRequest("custom_fields keys are alphanumeric.", param: "custom_fields")
            }
            let type = try field.requiredString("type")
            guard ["text", "numeric", "dropdown"].contains(type) else {
                throw .invalidRequest("custom_fields type must be text, numeric or dropdown.", param: "custom_fields")
            }
            let options = try field.object("dropdown")?.objects("options")?.map { option throws(APIError) in try option.requiredString("value") } ?? []
            guard type != "dropdown" || !options.isEmpty else {
                throw .invalidRequest("A dropdown custom field needs options.", param: "custom_fields")
            }
            fields.append(
                CustomFieldRecord(
                    key: key, label: try field.object("label")?.string("custom") ?? key, type: type,
                    optional: try field.bool("optional") ?? false, options: options, value: nil))
        }
        guard fields.count <= 3 else { throw .invalidRequest("At most 3 custom_fields.", param: "custom_fields") }
        return fields
    }

    private func makeLineItem(_ line: Parameters) throws(APIError) -> LineItemRecord {
        try line.allowOnly(["price", "price_data", "quantity", "adjustable_quantity"])
        let price: PriceRecord
        if let priceID = try line.string("price") {
            guard let existing = prices[priceID] else { throw .missingReference("price", priceID, param: line.name("price")) }
            guard existing.active else {
                throw .invalidRequest("The price specified is inactive. This field only accepts active prices.", param: line.name("price"))
            }
            price = existing
        } else if let data = try line.object("price_data") {
            try data.allowOnly(["currency", "unit_amount", "product", "product_data"])
            let productID: String
            if let product = try data.string("product") {
                guard products[product] != nil else { throw .missingReference("product", product, param: data.name("product")) }
                productID = product
            } else if let productData = try data.object("product_data") {
                productID = try createInlineProduct(productData).id
            } else {
                throw .invalidRequest("Missing required param: \(data.name("product_data")).", param: data.name("product_data"))
            }
            price = PriceRecord(
                id: makeID("price_"), created: nowSeconds, productID: productID,
                currency: try Self.currency(data.requiredString("currency"), param: data.name("currency")),
                unitAmount: try data.int("unit_amount", required: true)!, active: false, metadata: [:])
            prices[price.id] = price
        } else {
            throw .invalidRequest("You must specify either `price` or `price_data` in \(line.path).", param: line.path)
        }
        let quantity = try line.int("quantity", required: true, range: 1...999_999)!
        var adjustable: ClosedRange<Int>?
        if let adjustment = try line.object("adjustable_quantity"), try adjustment.bool("enabled") == true {
            let minimum = try adjustment.int("minimum", range: 0...999_999) ?? 0
            let maximum = try adjustment.int("maximum", range: 1...999_999) ?? 99
            guard minimum <= quantity, quantity <= maximum else {
                throw .invalidRequest(
                    "The quantity must be between adjustable_quantity[minimum] and adjustable_quantity[maximum].",
                    param: line.name("quantity"))
            }
            adjustable = minimum...maximum
        }
        return LineItemRecord(
            id: makeID("li_"), priceID: price.id, description: products[price.productID]?.name ?? "Item",
            unitAmount: price.unitAmount, currency: price.currency, quantity: quantity, adjustable: adjustable)
    }

    func retrieveCheckoutSession(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let session = sessions[id] else { throw .missing("checkout.session", id, param: "session") }
        return try sessionJSON(session, expansions: call.parameters.expansions())
    }

    func listCheckoutSessions(_ call: APICall) throws(APIError) -> JSONValue {
        var all = sessions.newestFirst
        if let status = try call.parameters.string("status") { all = all.filter { $0.status.rawValue == status } }
        if let customer = try call.parameters.string("customer") { all = all.filter { $0.customerID == customer } }
        if let intent = try call.parameters.string("payment_intent") { all = all.filter { $0.paymentIntentID == intent } }
        if let subscription = try call.parameters.string("subscription") { all = all.filter { $0.subscriptionID == subscription } }
        if let created = call.parameters.form["created"] {
            let bounds = try Self.timeBounds(created, param: "created")
            all = all.filter { bounds.lower <= $0.created && $0.created <= bounds.upper }
        }
        let page = try Page(all, id: \.id, parameters: call.parameters, resource: "checkout.session")
        return try expansion.apply(call.parameters.expansions(), to: page.json(url: "/v1/checkout/sessions") { $0.json() })
    }

    /// `GET /v1/checkout/sessions/{id}/line_items`; `expand[]=data.price.product` reaches into each item.
    func listLineItems(sessionID: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let session = sessions[sessionID] else { throw .missing("checkout.session", sessionID, param: "session") }
        let list = try lineItemsPage(session, parameters: call.parameters)
        return try expansion.apply(call.parameters.expansions(), to: list)
    }

    func expireCheckoutSession(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard var session = sessions[id] else { throw .missing("checkout.session", id, param: "session") }
        let type = try session.expire()
        sessions[id] = session
        emit(type, object: session.json(), cause: call)
        return session.json()
    }

    /// The customer pays on the hosted page (or test control says so). Returns the session and where the
    /// customer goes next (`nil` after a decline: they stay on the page).
    func completeCheckoutSession(
        _ id: String, outcome: CheckoutSessionRecord.Outcome, email: String?, name: String?, shipping: Address?,
        quantities: [Int: Int], answers: CheckoutAnswers = CheckoutAnswers(), promotionCode: String? = nil
    ) throws(APIError) -> (session: JSONValue, redirectURL: String?) {
        guard var session = sessions[id] else { throw .missing("checkout.session", id, param: "session") }
        for (index, quantity) in quantities.sorted(by: { $0.key < $1.key }) {
            try session.adjustQuantity(ofLine: index, to: quantity)
        }
        var answers = answers
        if let promotionCode {
            guard let code = promotionCodes.oldestFirst.first(where: { $0.code == promotionCode && $0.active }),
                let coupon = coupons[code.couponID]
            else { throw .invalidRequest("This promotion code is invalid.", param: "promotion_code", code: "promotion_code_invalid") }
            answers.discount = (code.id, coupon.discount(on: session.amountSubtotal, currency: session.currency))
        }
        let address = shipping ?? .emulatorDefault
        let customerEmail = email ?? session.customerEmail ?? "customer@example.com"
        let customerName = name ?? "Jenny Rosen"
        // A session with something to pay gets a PaymentIntent and its charge (none for a free session).
        if session.subscriptionMode {
            return try completeSubscriptionSession(session, outcome: outcome, email: email, name: name, answers: answers)
        }
        let total = session.amountSubtotal - min(session.amountSubtotal, answers.discount?.amount ?? session.amountDiscount)
        let paymentIntentID = total > 0 ? makeID("pi_") : nil
        let types = try session.complete(
            outcome, at: nowSeconds, settlementDelay: configuration.delayedSettlementSeconds,
            paymentIntentID: paymentIntentID,
            details: CustomerDetails(address: address, email: customerEmail, name: customerName),
            shipping: ShippingDetails(address: address, name: customerName), answers: answers)
        // Stored, it queues its delayed settlement's timer, if it has one.
        sessions[id] = session
        if let paymentIntentID, outcome != .declined {
            createPayment(paymentIntentID, for: session, settled: outcome == .paid)
        }
        // Rendered once: the events' copy and the answer are the same object (each rendering built every field
        // anew, inside the actor that the burst's other payments wait on).
        let json = session.json()
        for type in types { emit(type, object: json, cause: nil) }
        return (json, outcome == .declined ? nil : session.resolvedSuccessURL)
    }

    /// A `subscription` session paid: its customer (made if it has none) keeps the card as its default and the
    /// subscription starts with its first invoice paid (nothing to pay during a trial). A delayed method is the
    /// payment mode's only.
    private func completeSubscriptionSession(
        _ session: CheckoutSessionRecord, outcome: CheckoutSessionRecord.Outcome, email: String?, name: String?, answers: CheckoutAnswers
    ) throws(APIError) -> (session: JSONValue, redirectURL: String?) {
        var session = session
        guard outcome == .paid || outcome == .declined else {
            throw .invalidRequest("A subscription session is paid by card: outcome paid or declined.", param: "outcome")
        }
        try session.take(answers)
        if outcome == .declined { return (session.json(), nil) }
        let customerEmail = email ?? session.customerEmail ?? "customer@example.com"
        let customerID: String
        if let existing = session.customerID {
            customerID = existing
        } else {
            let customer = CustomerRecord(
                id: makeID("cus_", length: 14), created: nowSeconds, email: customerEmail, name: name, description: nil, metadata: [:])
            customers[customer.id] = customer
            emit("customer.created", object: customer.json, cause: nil)
            customerID = customer.id
        }
        let card = makeID("pm_")
        paymentMethods[card] = PaymentMethodRecord(
            id: card, created: nowSeconds, kind: .card, customerID: customerID, billingName: name, billingEmail: customerEmail,
            metadata: [:], card: ("Visa", "4242", 12, 2034), outcome: .succeeds)
        customers[customerID]?.defaultPaymentMethod = card
        let subscription = try startSubscription(
            customerID: customerID, items: session.lineItems.map { ($0.priceID, $0.quantity) }, trialDays: session.subscriptionTrialDays,
            paymentMethod: card, metadata: session.subscriptionMetadata, cause: nil)
        let types = try session.complete(
            .paid, at: nowSeconds, settlementDelay: configuration.delayedSettlementSeconds, paymentIntentID: nil,
            details: CustomerDetails(address: .emulatorDefault, email: customerEmail, name: name ?? "Jenny Rosen"), shipping: nil)
        session.customerID = customerID
        session.subscriptionID = subscription.id
        session.paymentStatus = session.subscriptionTrialDays == nil ? .paid : .noPaymentRequired
        sessions[session.id] = session
        let json = session.json()
        for type in types { emit(type, object: json, cause: nil) }
        return (json, session.resolvedSuccessURL)
    }

    func sessionJSON(_ session: CheckoutSessionRecord, expansions: [String]) throws(APIError) -> JSONValue {
        let wantsLineItems = expansions.contains { $0 == "line_items" || $0.hasPrefix("line_items.") }
        // The embedded list holds only the first page (10 items), as on Stripe.
        let firstPage: JSONValue? = wantsLineItems ? try lineItemsPage(session, parameters: Parameters(.empty)) : .none
        let json = session.json(lineItemsPage: firstPage)
        return try expansion.apply(expansions.filter { $0 != "line_items" }, to: json)
    }

    func lineItemsPage(_ session: CheckoutSessionRecord, parameters: Parameters) throws(APIError) -> JSONValue {
        let page = try Page(session.lineItems, id: \.id, parameters: parameters, resource: "line item")
        return try page.json(url: "/v1/checkout/sessions/\(session.id)/line_items") { item in
            item.json(price: prices[item.priceID]?.json ?? .null)
        }
    }
}

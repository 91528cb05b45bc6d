import StripeAPI

/// A Checkout Session as the emulator stores it, with its state machine.
struct CheckoutSessionRecord: Sendable {
    enum Status: String, Sendable { case open, complete, expired }
    enum PaymentStatus: String, Sendable {
        case paid, unpaid
        case noPaymentRequired = "no_payment_required"
    }

    /// How the customer paid on the hosted page (or through test control).
    enum Outcome: String, Sendable, CaseIterable {
        case paid, declined
        case delayedSuccess = "delayed_success"
        case delayedFailure = "delayed_failure"
    }

    var id: String
    var created: Int
    var expiresAt: Int
    var status: Status = .open
    var paymentStatus: PaymentStatus = .unpaid
    var currency: String
    var successURL: String
    var cancelURL: String?
    var customerEmail: String?
    var customerID: String?
    var clientReferenceID: String?
    var metadata: [String: String]
    var paymentMethodTypes: [String]
    var lineItems: [LineItemRecord]
    var shippingCountries: [String]?
    /// The language the hosted page speaks (`auto` or nil: the browser's; here, English).
    var locale: String?
    var customerDetails: CustomerDetails?
    var shippingDetails: ShippingDetails?
    var paymentIntentID: String?
    /// A delayed payment waiting to settle: when, and whether it will succeed.
    var settlement: (at: Int, succeeds: Bool)?
    /// The hosted page, while the session is open.
    var pageURL: String
    /// The Payment Link that made it.
    var paymentLinkID: String? = nil
    /// `subscription` mode: paying starts a subscription (`subscription_data`: a trial, metadata).
    var subscriptionMode = false
    var subscriptionTrialDays: Int? = nil
    var subscriptionMetadata: [String: String] = [:]
    var subscriptionID: String? = nil
    /// The expired session it recovers, and whether this one may be recovered once expired.
    var recoveredFrom: String? = nil
    var recoveryEnabled = false
    var allowPromotionCodes = false
    /// The promotion code the customer typed, and what it took off.
    var promotionCodeID: String? = nil
    var amountDiscount = 0
    var customFields: [CustomFieldRecord] = []
    /// `consent_collection`: whether the terms of service must be accepted, whether promotions are asked.
    var termsOfServiceRequired = false
    var promotionsConsentAsked = false
    /// What the customer agreed to (`terms_of_service: accepted`, `promotions: opt_in|opt_out`).
    var consent: [String: String] = [:]

    var amountSubtotal: Int { lineItems.reduce(0) { $0 + $1.amountSubtotal } }
    var amountTotal: Int { amountSubtotal - amountDiscount }

    /// Where an expired session with recovery on is recovered (a new session for the same purchase).
    var recoveryURL: String {
        pageURL.replacing("/c/pay/", with: "/c/recover/")
    }

    /// Where the customer lands after paying: `success_url` with `{CHECKOUT_SESSION_ID}` replaced.
    var resolvedSuccessURL: String {
        successURL.replacing("{CHECKOUT_SESSION_ID}", with: id)
    }

    /// The customer pays. A decline leaves the session open; a delayed method completes it unpaid and
    /// settles later. Returns the event types to emit.
    mutating func complete(
        _ outcome: Outcome, at now: Int, settlementDelay: Int, paymentIntentID: String?, details: CustomerDetails,
        shipping: ShippingDetails?, answers: CheckoutAnswers = CheckoutAnswers()
    ) throws(APIError) -> [String] {
        guard status == .open else {
            throw .invalidRequest("This Checkout Session is \(status.rawValue) and can no longer be paid.", code: "checkout_session_not_open")
        }
        guard now < expiresAt else {
            throw .invalidRequest("This Checkout Session has expired.", code: "checkout_session_expired")
        }
        try take(answers)
        if outcome == .declined { return [] }
        status = .complete
        self.paymentIntentID = paymentIntentID
        customerDetails = details
        shippingDetails = shippingCountries == nil ? nil : shipping
        switch outcome {
        case .paid:
            paymentStatus = amountTotal == 0 ? .noPaymentRequired : .paid
        case .delayedSuccess, .delayedFailure:
            paymentStatus = .unpaid
            settlement = (now + settlementDelay, outcome == .delayedSuccess)
        case .declined:
            break
        }
        return ["checkout.session.completed"]
    }

    /// The customer's answers on the page: custom fields (required ones must be answered, dropdowns from
    /// their options), the consents asked for (the terms of service, when required, must be accepted) and a
    /// promotion code's discount.
    mutating func take(_ answers: CheckoutAnswers) throws(APIError) {
        for key in answers.customFields.keys where !customFields.contains(where: { $0.key == key }) {
            throw .invalidRequest("This Checkout Session has no custom field \(key.prefix(40)).", param: "custom_fields[\(key.prefix(40))]")
        }
        for index in customFields.indices {
            let field = customFields[index]
            let answer = answers.customFields[field.key].flatMap { $0.isEmpty ? nil : $0 }
            if answer == nil, !field.optional {
                throw .invalidRequest("The custom field \(field.key) is required.", param: "custom_fields[\(field.key)]")
            }
            if let answer, field.type == "dropdown", !field.options.contains(answer) {
                throw .invalidRequest("\(answer.prefix(40)) is not an option of \(field.key).", param: "custom_fields[\(field.key)]")
            }
            if let answer, field.type == "numeric", !answer.allSatisfy(\.isNumber) {
                throw .invalidRequest("The custom field \(field.key) takes digits only.", param: "custom_fields[\(field.key)]")
            }
            customFields[index].value = answer.map { String($0.prefix(255)) }
        }
        if termsOfServiceRequired {
            guard answers.termsAccepted else {
                throw .invalidRequest("The terms of service must be accepted.", param: "consent[terms_of_service]")
            }
            consent["terms_of_service"] = "accepted"
        }
        if promotionsConsentAsked { consent["promotions"] = answers.promotionsOptIn ? "opt_in" : "opt_out" }
        if let discount = answers.discount {
            guard allowPromotionCodes else {
                throw .invalidRequest("This Checkout Session does not take promotion codes.", param: "promotion_code")
            }
            promotionCodeID = discount.promotionCodeID
            amountDiscount = min(amountSubtotal, discount.amount)
        }
    }

    /// A delayed payment settles; returns the event type.
    mutating func settle() -> String? {
        guard let settlement, status == .complete else { return nil }
        self.settlement = nil
        if settlement.succeeds {
            paymentStatus = .paid
            return "checkout.session.async_payment_succeeded"
        }
        return "checkout.session.async_payment_failed"
    }

    /// Ends an open session (by the API or at `expires_at`).
    mutating func expire() throws(APIError) -> String {
        guard status == .open else {
            throw .invalidRequest(
                "Only Checkout Sessions with a status in [\"open\"] can be expired. This session has status \"\(status.rawValue)\".")
        }
        status = .expired
        return "checkout.session.expired"
    }

    /// The customer changed quantities on the hosted page (adjustable line items only, within bounds).
    mutating func adjustQuantity(ofLine index: Int, to quantity: Int) throws(APIError) {
        guard lineItems.indices.contains(index) else {
            throw .invalidRequest("No line item at index \(index).", param: "quantities[\(index)]")
        }
        guard let bounds = lineItems[index].adjustable else {
            throw .invalidRequest("Line item \(index) does not have an adjustable quantity.", param: "quantities[\(index)]")
        }
        guard bounds.contains(quantity) else {
            throw .invalidRequest(
                "Quantity for line item \(index) must be between \(bounds.lowerBound) and \(bounds.upperBound).",
                param: "quantities[\(index)]")
        }
        lineItems[index].quantity = quantity
    }

    func json(lineItemsPage: JSONValue? = nil) -> JSONValue {
        var json: JSONValue = [
            "id": .string(id), "object": "checkout.session",
            "after_expiration": recoveryEnabled
                ? ["recovery": [
                    "enabled": true, "allow_promotion_codes": .bool(allowPromotionCodes), "expires_at": .int(expiresAt + 30 * 24 * 3600),
                    "url": status == .expired ? .string(recoveryURL) : .null,
                ]] : .null,
            "allow_promotion_codes": allowPromotionCodes ? true : .null,
            "amount_subtotal": .int(amountSubtotal), "amount_total": .int(amountTotal),
            "automatic_tax": ["enabled": false, "status": nil], "billing_address_collection": nil,
            "cancel_url": .string(cancelURL), "client_reference_id": .string(clientReferenceID),
            "consent": consent.isEmpty ? .null : ["terms_of_service": .string(consent["terms_of_service"]), "promotions": .string(consent["promotions"])],
            "consent_collection": termsOfServiceRequired || promotionsConsentAsked
                ? ["terms_of_service": termsOfServiceRequired ? "required" : "none", "promotions": promotionsConsentAsked ? "auto" : "none"]
                : .null,
            "created": .int(created), "currency": .string(currency), "custom_fields": .array(customFields.map(\.json)),
            "custom_text": ["shipping_address": nil, "submit": nil], "customer": .string(customerID),
            "customer_creation": customerID == nil ? "if_required" : nil,
            "customer_details": customerDetails.map { details in
                [
                    "address": details.address?.json ?? .null, "email": .string(details.email),
                    "name": .string(details.name), "phone": .string(details.phone), "tax_exempt": "none", "tax_ids": [],
                ]
            } ?? .null,
            "customer_email": .string(customerEmail), "expires_at": .int(expiresAt), "invoice": nil,
            "invoice_creation": nil, "livemode": false, "locale": .string(locale), "metadata": .stringMap(metadata),
            "mode": subscriptionMode ? "subscription" : "payment", "payment_intent": .string(paymentIntentID), "payment_link": .string(paymentLinkID),
            "payment_method_collection": "always", "payment_method_options": nil,
            "payment_method_types": .array(paymentMethodTypes.map { .string($0) }),
            "payment_status": .string(paymentStatus.rawValue), "phone_number_collection": ["enabled": false],
            "recovered_from": .string(recoveredFrom), "setup_intent": nil,
            "shipping_address_collection": shippingCountries.map { ["allowed_countries": .array($0.map { .string($0) })] }
                ?? .null,
            "shipping_cost": nil,
            "shipping_details": shippingDetails.map { details in
                ["address": details.address?.json ?? Address().json, "name": .string(details.name ?? "")]
            } ?? .null,
            "shipping_options": [], "status": .string(status.rawValue), "submit_type": nil, "subscription": .string(subscriptionID),
            "success_url": .string(successURL),
            "total_details": ["amount_discount": .int(amountDiscount), "amount_shipping": 0, "amount_tax": 0],
            "discounts": promotionCodeID.map { [["promotion_code": .string($0), "coupon": nil]] } ?? [],
            "url": status == .open ? .string(pageURL) : .null,
        ]
        if let lineItemsPage { json["line_items"] = lineItemsPage }
        return json
    }
}

/// One line of a session: which price, how many, and whether the customer may change the quantity.
struct LineItemRecord: Sendable {
    var id: String
    var priceID: String
    var description: String
    var unitAmount: Int
    var currency: String
    var quantity: Int
    var adjustable: ClosedRange<Int>?

    var amountSubtotal: Int { unitAmount * quantity }

    func json(price: JSONValue) -> JSONValue {
        [
            "id": .string(id), "object": "item", "amount_discount": 0, "amount_subtotal": .int(amountSubtotal),
            "amount_tax": 0, "amount_total": .int(amountSubtotal), "currency": .string(currency),
            "description": .string(description), "price": price, "quantity": .int(quantity),
        ]
    }
}

/// What the customer answered on the checkout page beside paying: custom fields by key, the consents, and the
/// discount of the promotion code they typed.
struct CheckoutAnswers: Sendable {
    var customFields: [String: String] = [:]
    var termsAccepted = false
    var promotionsOptIn = false
    var discount: (promotionCodeID: String, amount: Int)?
}

import StripeAPI

/// Payment Links (a URL that makes a Checkout Session per visitor), coupons and promotion codes (a code at
/// 100 % makes a session with nothing to pay: `no_payment_required`, no PaymentIntent), and the recovery of
/// expired sessions (`after_expiration.recovery`: a new session, `recovered_from` the old one).
extension EmulatorState {
    func createPaymentLink(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly([
            "line_items", "metadata", "after_completion", "allow_promotion_codes", "custom_fields", "consent_collection",
            "shipping_address_collection", "payment_method_types", "currency",
        ])
        guard let lines = try parameters.objects("line_items"), !lines.isEmpty else {
            throw .invalidRequest("Missing required param: line_items.", param: "line_items")
        }
        var redirectURL: String?
        if let completion = try parameters.object("after_completion"), try completion.string("type") == "redirect" {
            redirectURL = try completion.object("redirect")?.requiredString("url", maxLength: 2048)
        }
        let id = makeID("plink_")
        var sessionParameters = (parameters.form.fields ?? []).filter {
            ["line_items", "allow_promotion_codes", "custom_fields", "consent_collection", "shipping_address_collection", "payment_method_types"]
                .contains($0.key)
        }
        sessionParameters.append(FormField("mode", "payment"))
        sessionParameters.append(FormField("success_url", .string(redirectURL ?? "\(call.baseURL)/b/\(id)/thanks")))
        let link = PaymentLinkRecord(
            id: id, created: nowSeconds, sessionParameters: sessionParameters, metadata: try parameters.metadata(), redirectURL: redirectURL,
            url: "\(call.baseURL)/b/\(id)")
        // The link's parameters must make a valid session: checked now, not at the first visit.
        _ = try makeCheckoutSession(Parameters(.object(sessionParameters)), baseURL: call.baseURL)
        paymentLinks[id] = link
        return link.json(lineItems: lineItemsJSON(link))
    }

    func retrievePaymentLink(_ id: String) throws(APIError) -> JSONValue {
        guard let link = paymentLinks[id] else { throw .missing("payment_link", id) }
        return link.json(lineItems: lineItemsJSON(link))
    }

    func listPaymentLinks(_ call: APICall) throws(APIError) -> JSONValue {
        try Page(paymentLinks.newestFirst, id: \.id, parameters: call.parameters, resource: "payment_link")
            .json(url: "/v1/payment_links") { $0.json(lineItems: lineItemsJSON($0)) }
    }

    /// A visit to the link (`/b/{id}`): a new session, naming the link, with the link's metadata; the visit's
    /// `client_reference_id` and `prefilled_email` if it carried them.
    func openPaymentLink(_ id: String, baseURL: String, clientReferenceID: String?, email: String?) throws(APIError) -> CheckoutSessionRecord {
        guard let link = paymentLinks[id], link.active else { throw .missing("payment_link", id) }
        var fields = link.sessionParameters
        if let clientReferenceID { fields.append(FormField("client_reference_id", .string(String(clientReferenceID.prefix(200))))) }
        if let email { fields.append(FormField("customer_email", .string(String(email.prefix(800))))) }
        var session = try makeCheckoutSession(Parameters(.object(fields)), baseURL: baseURL)
        session.paymentLinkID = id
        session.metadata = link.metadata
        sessions[session.id] = session
        return session
    }

    /// A visit to an expired session's recovery URL: a new open session for the same purchase (its lines,
    /// metadata, reference and settings), `recovered_from` the old one. Only once the old one has expired with
    /// recovery on, within 30 days.
    func recoverCheckoutSession(_ id: String) throws(APIError) -> CheckoutSessionRecord {
        guard let old = sessions[id] else { throw .missing("checkout.session", id, param: "session") }
        guard old.status == .expired, old.recoveryEnabled else {
            throw .invalidRequest("Only an expired Checkout Session with recovery enabled can be recovered.", code: "checkout_session_not_recoverable")
        }
        guard nowSeconds < old.expiresAt + 30 * 24 * 3600 else {
            throw .invalidRequest("This recovery link has expired.", code: "checkout_session_recovery_expired")
        }
        let newID = makeID("cs_test_", length: 58)
        var session = old
        session.id = newID
        session.created = nowSeconds
        session.expiresAt = nowSeconds + 24 * 3600
        session.status = .open
        session.paymentStatus = .unpaid
        session.pageURL = old.pageURL.replacing(old.id, with: newID)
        session.recoveredFrom = old.id
        session.recoveryEnabled = false
        session.customerDetails = nil
        session.shippingDetails = nil
        session.paymentIntentID = nil
        session.settlement = nil
        session.consent = [:]
        session.promotionCodeID = nil
        session.amountDiscount = 0
        for index in session.customFields.indices { session.customFields[index].value = nil }
        for index in session.lineItems.indices { session.lineItems[index].id = makeID("li_") }
        sessions[newID] = session
        return session
    }

    func createCoupon(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly(["id", "percent_off", "amount_off", "currency", "duration", "name", "metadata"])
        let percent = try parameters.string("percent_off").map { text throws(APIError) in
            guard let value = Double(text), value > 0, value <= 100 else {
                throw .invalidRequest("percent_off must be above 0 and at most 100.", param: "percent_off")
            }
            return value
        }
        let amount = try parameters.int("amount_off", range: 1...99_999_999)
        guard (percent == nil) != (amount == nil) else {
            throw .invalidRequest("Specify exactly one of percent_off and amount_off.", param: "percent_off")
        }
        let currency = try parameters.string("currency")?.lowercased()
        if amount != nil, currency == nil { throw .invalidRequest("amount_off needs a currency.", param: "currency") }
        let id = try parameters.string("id", maxLength: 64) ?? makeID("", length: 8)
        guard coupons[id] == nil else { throw .invalidRequest("Coupon already exists.", param: "id", code: "resource_already_exists") }
        let coupon = CouponRecord(
            id: id, created: nowSeconds, percentOff: percent, amountOff: amount, currency: currency, name: try parameters.string("name"))
        coupons[id] = coupon
        return coupon.json
    }

    func createPromotionCode(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly(["coupon", "code", "active", "metadata"])
        let couponID = try parameters.requiredString("coupon")
        guard let coupon = coupons[couponID] else { throw .missingReference("coupon", couponID, param: "coupon") }
        let code = try parameters.string("code", maxLength: 500) ?? makeID("", length: 8).uppercased()
        guard !promotionCodes.oldestFirst.contains(where: { $0.code == code && $0.active }) else {
            throw .invalidRequest("An active promotion code with code \(code.prefix(40)) already exists.", param: "code")
        }
        let promotion = PromotionCodeRecord(id: makeID("promo_"), created: nowSeconds, code: code, couponID: couponID)
        promotionCodes[promotion.id] = promotion
        return promotion.json(coupon: coupon.json)
    }

    func retrievePromotionCode(_ id: String) throws(APIError) -> JSONValue {
        guard let promotion = promotionCodes[id] else { throw .missing("promotion_code", id) }
        return promotion.json(coupon: coupons[promotion.couponID]?.json ?? .null)
    }

    private func lineItemsJSON(_ link: PaymentLinkRecord) -> JSONValue {
        let lines = link.sessionParameters.first { $0.key == "line_items" }?.value.arrayValue ?? []
        return [
            "object": "list", "has_more": false, "url": .string("/v1/payment_links/\(link.id)/line_items"),
            "data": .array(lines.map { line in
                ["price": .string(line["price"]?.stringValue), "quantity": .int(line["quantity"]?.stringValue.flatMap { Int($0) })]
            }),
        ]
    }
}

import StripeAPI

/// Stripe Billing over time, on the virtual clock or a test clock: a subscription's first invoice is charged
/// at once; at each period end a renewal invoice is drafted, finalized an hour later and charged to the default
/// payment method; a failed payment is retried 3, 5 and 7 days after the first attempt, and when those fail
/// too the subscription is canceled (Stripe's default "cancel the subscription" setting). A subscription set to
/// cancel at period end ends then; one in a trial starts paying at its end.
extension EmulatorState {
    /// Days after a renewal's first failed attempt when it is retried.
    static let renewalRetryDays = [3, 5, 7]
    /// How long a renewal invoice stays a draft before it is finalized and charged.
    static let draftHoldSeconds = 3600

    /// The time billing lives by: a test clock's frozen time, or the virtual clock's.
    func billingNow(_ clockID: String?) -> Int {
        clockID.flatMap { testClocks[$0]?.frozenTime } ?? nowSeconds
    }

    /// A new subscription: its first invoice (nothing to pay during a trial) finalized and charged at once. A
    /// declined first payment leaves it `incomplete`, as Stripe's default `payment_behavior` does.
    func startSubscription(
        customerID: String, items: [(price: String, quantity: Int)], trialDays: Int?, paymentMethod method: String?,
        metadata: [String: String], cause: APICall?
    ) throws(APIError) -> SubscriptionRecord {
        guard let customer = customers[customerID] else { throw .missingReference("customer", customerID, param: "customer") }
        var recurring: PriceRecord.Recurring?
        var currency: String?
        for item in items {
            guard let price = prices[item.price] else { throw .missingReference("price", item.price, param: "items") }
            guard let interval = price.recurring else {
                throw .invalidRequest("The price specified (\(price.id)) is not recurring: a subscription takes recurring prices.", param: "items")
            }
            if let recurring, recurring != interval {
                throw .invalidRequest("All prices on a subscription must have the same recurring interval.", param: "items")
            }
            if let currency, currency != price.currency {
                throw .invalidRequest("All prices on a subscription must have the same currency.", param: "items")
            }
            recurring = interval
            currency = price.currency
        }
        let paymentMethodID = method ?? customer.defaultPaymentMethod
        if let paymentMethodID, paymentMethod(paymentMethodID) == nil {
            throw .missingReference("payment_method", paymentMethodID, param: "default_payment_method")
        }
        if trialDays == nil, paymentMethodID == nil {
            throw .invalidRequest(
                "This customer has no attached payment source or default payment method. Please consider adding a default payment method.",
                code: "resource_missing")
        }
        let now = billingNow(customer.testClockID)
        let periodEnd = trialDays.map { now + $0 * 24 * 3600 } ?? SubscriptionRecord.periodEnd(after: now, recurring!)
        let subscription = SubscriptionRecord(
            id: makeID("sub_"), created: now, customerID: customerID,
            items: items.map { SubscriptionRecord.Item(id: makeID("si_", length: 14), priceID: $0.price, quantity: $0.quantity) },
            status: trialDays == nil ? .incomplete : .trialing, interval: recurring!, currentPeriodStart: now, currentPeriodEnd: periodEnd,
            trialStart: trialDays == nil ? nil : now, trialEnd: trialDays == nil ? nil : periodEnd, defaultPaymentMethod: method,
            metadata: metadata, testClockID: customer.testClockID)
        subscriptions[subscription.id] = subscription
        billingEmit("customer.subscription.created", object: subscription.json(prices: priceJSON), cause: cause, at: now, clock: subscription.testClockID)
        let invoiceID = draftInvoice(
            for: subscription.id, reason: "subscription_create", periodStart: now, periodEnd: periodEnd, free: trialDays != nil, at: now)
        finalize(invoiceID, at: now)
        if invoices[invoiceID]?.status == .open { _ = attemptPayment(of: invoiceID, with: nil, at: now, manual: false) }
        return subscriptions[subscription.id]!
    }

    /// Runs, in time order, every billing step due by `time` for the subscriptions on `clock` (nil: those on
    /// the virtual clock). Each step acts as its subscription's owner (Connect).
    func runBilling(upTo time: Int, clock: String?) {
        AccountScope.$current.withValue(.everything) {
            for _ in 0..<100_000 {
                guard let step = nextBillingStep(clock: clock), step.at <= time else { return }
                AccountScope.$current.withValue(.of(subscriptions.owner(of: step.subscriptionID))) { perform(step) }
            }
        }
    }

    private struct BillingStep {
        enum Kind { case periodEnd, finalize(String), retry(String) }
        var at: Int
        var subscriptionID: String
        var kind: Kind
    }

    private func nextBillingStep(clock: String?) -> BillingStep? {
        var next: BillingStep?
        func consider(_ step: BillingStep) {
            if next == nil || step.at < next!.at { next = step }
        }
        for subscription in subscriptions.oldestFirst where subscription.testClockID == clock && subscription.status.isLive {
            consider(BillingStep(at: subscription.currentPeriodEnd, subscriptionID: subscription.id, kind: .periodEnd))
        }
        for invoice in invoices.oldestFirst where invoice.testClockID == clock {
            if invoice.status == .draft, let at = invoice.automaticallyFinalizesAt {
                consider(BillingStep(at: at, subscriptionID: invoice.subscriptionID, kind: .finalize(invoice.id)))
            }
            if invoice.status == .open, let at = invoice.nextPaymentAttempt {
                consider(BillingStep(at: at, subscriptionID: invoice.subscriptionID, kind: .retry(invoice.id)))
            }
        }
        return next
    }

    private func perform(_ step: BillingStep) {
        switch step.kind {
        case .finalize(let invoiceID):
            finalize(invoiceID, at: step.at)
            if invoices[invoiceID]?.status == .open { _ = attemptPayment(of: invoiceID, with: nil, at: step.at, manual: false) }
        case .retry(let invoiceID):
            _ = attemptPayment(of: invoiceID, with: nil, at: step.at, manual: false)
        case .periodEnd:
            guard var subscription = subscriptions[step.subscriptionID] else { return }
            if subscription.cancelAtPeriodEnd {
                _ = end(subscription.id, reason: "cancellation_requested", at: step.at, cause: nil)
                return
            }
            subscription.currentPeriodStart = subscription.currentPeriodEnd
            subscription.currentPeriodEnd = SubscriptionRecord.periodEnd(after: subscription.currentPeriodStart, subscription.interval)
            if subscription.status == .trialing { subscription.status = .active }
            subscriptions[subscription.id] = subscription
            billingEmit("customer.subscription.updated", object: subscription.json(prices: priceJSON), cause: nil, at: step.at, clock: subscription.testClockID)
            _ = draftInvoice(
                for: subscription.id, reason: "subscription_cycle", periodStart: subscription.currentPeriodStart,
                periodEnd: subscription.currentPeriodEnd, free: false, at: step.at)
        }
    }

    /// A draft invoice for the subscription's items (at no charge during a trial), finalized an hour later
    /// unless finalized at once.
    private func draftInvoice(for subscriptionID: String, reason: String, periodStart: Int, periodEnd: Int, free: Bool, at time: Int) -> String {
        var subscription = subscriptions[subscriptionID]!
        let lines = subscription.items.map { item in
            (priceID: item.priceID, quantity: item.quantity, amount: free ? 0 : (prices[item.priceID]?.unitAmount ?? 0) * item.quantity)
        }
        let id = makeID("in_")
        let invoice = InvoiceRecord(
            id: id, created: time, customerID: subscription.customerID, subscriptionID: subscriptionID, billingReason: reason,
            currency: prices[subscription.items[0].priceID]?.currency ?? "eur", lines: lines, periodStart: periodStart, periodEnd: periodEnd,
            automaticallyFinalizesAt: time + Self.draftHoldSeconds, hostedURL: "\(hostedBaseURL)/i/\(id)", testClockID: subscription.testClockID)
        invoices[id] = invoice
        subscription.latestInvoiceID = id
        subscriptions[subscriptionID] = subscription
        billingEmit("invoice.created", object: invoice.json(prices: priceJSON), cause: nil, at: time, clock: invoice.testClockID)
        return id
    }

    /// Finalizes a draft: open, with its hosted page; an invoice of nothing to pay is paid at once.
    private func finalize(_ invoiceID: String, at time: Int) {
        guard var invoice = invoices[invoiceID], invoice.status == .draft else { return }
        invoice.status = .open
        invoice.finalizedAt = time
        invoice.automaticallyFinalizesAt = nil
        if invoice.amountDue == 0 {
            invoice.status = .paid
            invoice.paidAt = time
        }
        invoices[invoiceID] = invoice
        billingEmit("invoice.finalized", object: invoice.json(prices: priceJSON), cause: nil, at: time, clock: invoice.testClockID)
        if invoice.status == .paid {
            billingEmit("invoice.paid", object: invoice.json(prices: priceJSON), cause: nil, at: time, clock: invoice.testClockID)
            markPaid(subscriptionOf: invoice, at: time)
        }
    }

    /// One attempt to charge an open invoice to `method` (the subscription's or the customer's default when nil).
    /// Returns whether it was paid. A failure makes the subscription `past_due` and schedules the next retry;
    /// after the last, the subscription is canceled (a manual attempt changes no schedule).
    func attemptPayment(of invoiceID: String, with method: String?, at time: Int, manual: Bool) -> Bool {
        guard var invoice = invoices[invoiceID], invoice.status == .open, let subscription = subscriptions[invoice.subscriptionID] else {
            return false
        }
        let methodID = method ?? subscription.defaultPaymentMethod ?? customers[invoice.customerID]?.defaultPaymentMethod
        let record = methodID.flatMap { paymentMethod($0) }
        let paid: Bool =
            switch record?.outcome {
            case .succeeds?: !(record!.failsRenewals && invoice.billingReason == "subscription_cycle")
            case .settlesLater(let succeeds)?: succeeds
            default: false
            }
        invoice.attemptCount += 1
        let charge = ChargeRecord(
            id: makeID("ch_"), created: time, amount: invoice.amountDue, currency: invoice.currency, sourceID: nil, source: .null,
            paymentMethodID: methodID ?? "", paymentIntentID: makeID("pi_"), customerID: invoice.customerID,
            status: paid ? .succeeded : .failed, metadata: [:], description: "Subscription \(subscription.id)", receiptEmail: nil,
            failureCode: paid ? nil : "card_declined", failureMessage: paid ? nil : "Your card was declined.",
            billingName: nil, billingEmail: customers[invoice.customerID]?.email)
        let intent = PaymentIntentRecord(
            id: charge.paymentIntentID!, created: time, amount: invoice.amountDue, currency: invoice.currency,
            status: paid ? .succeeded : .requiresPaymentMethod, customerID: invoice.customerID, paymentMethodID: methodID,
            latestChargeID: charge.id, receiptEmail: nil, metadata: [:], lastPaymentError: paid ? nil : charge.failureMessage)
        charges[charge.id] = charge
        paymentIntents[intent.id] = intent
        invoice.chargeID = charge.id
        invoice.paymentIntentID = intent.id
        billingEmit("charge.\(charge.status.rawValue)", object: charge.json, cause: nil, at: time, clock: invoice.testClockID)
        billingEmit(intent.eventType, object: intent.json, cause: nil, at: time, clock: invoice.testClockID)
        if paid {
            invoice.status = .paid
            invoice.paidAt = time
            invoice.nextPaymentAttempt = nil
            invoices[invoiceID] = invoice
            billingEmit("invoice.paid", object: invoice.json(prices: priceJSON), cause: nil, at: time, clock: invoice.testClockID)
            billingEmit("invoice.payment_succeeded", object: invoice.json(prices: priceJSON), cause: nil, at: time, clock: invoice.testClockID)
            markPaid(subscriptionOf: invoice, at: time)
            return true
        }
        let retryIndex = invoice.attemptCount - 1
        if !manual {
            let first = invoice.finalizedAt ?? time
            invoice.nextPaymentAttempt = invoice.billingReason == "subscription_create" || retryIndex >= Self.renewalRetryDays.count
                ? nil : first + Self.renewalRetryDays[retryIndex] * 24 * 3600
        }
        invoices[invoiceID] = invoice
        billingEmit("invoice.payment_failed", object: invoice.json(prices: priceJSON), cause: nil, at: time, clock: invoice.testClockID)
        if var subscription = subscriptions[invoice.subscriptionID], subscription.status == .active {
            subscription.status = .pastDue
            subscriptions[subscription.id] = subscription
            billingEmit("customer.subscription.updated", object: subscription.json(prices: priceJSON), cause: nil, at: time, clock: subscription.testClockID)
        }
        if !manual, invoice.billingReason == "subscription_cycle", invoice.nextPaymentAttempt == nil {
            _ = end(invoice.subscriptionID, reason: "payment_failed", at: time, cause: nil)
        }
        return false
    }

    /// A paid invoice makes an incomplete or past-due subscription active again.
    private func markPaid(subscriptionOf invoice: InvoiceRecord, at time: Int) {
        guard var subscription = subscriptions[invoice.subscriptionID],
            subscription.status == .incomplete || subscription.status == .pastDue || subscription.status == .unpaid
        else { return }
        subscription.status = .active
        subscriptions[subscription.id] = subscription
        billingEmit("customer.subscription.updated", object: subscription.json(prices: priceJSON), cause: nil, at: time, clock: subscription.testClockID)
    }

    /// Ends a subscription now (`customer.subscription.deleted`); false if it had ended.
    func end(_ id: String, reason: String, at time: Int, cause: APICall?) -> Bool {
        guard var subscription = subscriptions[id], subscription.status != .canceled, subscription.status != .incompleteExpired else {
            return false
        }
        subscription.status = .canceled
        subscription.canceledAt = subscription.canceledAt ?? time
        subscription.endedAt = time
        subscription.cancellationReason = reason
        subscriptions[id] = subscription
        // What it had not finalized yet is void.
        for invoice in invoices.oldestFirst where invoice.subscriptionID == id && invoice.status == .draft {
            invoices[invoice.id]?.status = .void
            invoices[invoice.id]?.automaticallyFinalizesAt = nil
        }
        billingEmit("customer.subscription.deleted", object: subscription.json(prices: priceJSON), cause: cause, at: time, clock: subscription.testClockID)
        return true
    }

    /// Records a billing event. On the virtual clock it is dated when it happened; on a test clock, at the
    /// virtual now (its object carries the clock's times): Stripe's event list and its 30 days are real time.
    private func billingEmit(_ type: String, object: JSONValue, cause: APICall?, at time: Int, clock: String?) {
        emit(type, object: object, cause: cause, at: clock == nil ? time : nil)
    }

    /// Hosted pages' base for invoices (the emulator's public URL, or its default address).
    var hostedBaseURL: String { configuration.publicBaseURL ?? "http://127.0.0.1:12111" }
}
